"""Build-time tooling of the event contract (not shipped in the services' runtime).

Generates ``docs/events/`` (JSON Schemas, envelope, AsyncAPI, the README's catalogue)
from the models in :mod:`crm_shared.events`, and checks that a change to a model is
compatible with its committed schema. ``python -m crm_devtools.contracts [--check]``.
"""
