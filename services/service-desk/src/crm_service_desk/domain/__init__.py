"""Pure business rules of the service desk: no I/O, every clock injected."""
