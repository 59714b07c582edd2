"""Use cases: the only code that writes, and the only place permissions are checked."""
