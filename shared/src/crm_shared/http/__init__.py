"""HTTP helpers shared by the services' FastAPI apps."""
