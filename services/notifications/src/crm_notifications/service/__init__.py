"""Use cases: configuration (API), dispatch, delivery, digests, outcomes."""
