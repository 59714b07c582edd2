"""Contacts' use cases: the only code that writes, and the place permissions are checked."""
