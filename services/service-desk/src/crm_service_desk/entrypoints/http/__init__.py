"""HTTP routers of the service-desk API."""
