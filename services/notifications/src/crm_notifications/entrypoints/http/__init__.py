"""HTTP routers; each is thin: parse, call a use case, shape the answer."""
