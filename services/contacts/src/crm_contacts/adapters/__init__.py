"""Contacts' adapters: Mongo repositories, in-memory fakes, the live event tail."""
