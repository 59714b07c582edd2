"""Kafka helpers every service reuses: the event publisher and the consumer runtime."""
