"""Local infrastructure: a single-node Kafka broker and a MongoDB-wire store."""

from crm_devtools.infra.manager import ComponentStatus, Infra, InfraError

__all__ = ["ComponentStatus", "Infra", "InfraError"]
