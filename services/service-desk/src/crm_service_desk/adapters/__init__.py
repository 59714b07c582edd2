"""MongoDB repositories and other I/O of the service desk."""
