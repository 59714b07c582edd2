"""Contacts' domain: customers, field rules, custom fields, duplicates, merges, the 360 view.

Pure Python, no I/O: everything here is unit-tested without a store or a broker.
"""
