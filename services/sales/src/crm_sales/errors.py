"""Errors particular to sales (the common ones live in ``crm_shared.errors``)."""

from __future__ import annotations

from crm_shared.errors import CrmError


class DependencyUnavailable(CrmError):
    """A service sales depends on (contacts) did not answer; the request can be retried."""

    status, code, title = 503, "dependency_unavailable", "Service unavailable"


class DependencyRejected(CrmError):
    """A service sales depends on refused the request (its 4xx), e.g. invalid lead data."""

    status, code, title = 422, "dependency_rejected", "Rejected by a dependency"


class PayloadTooLarge(CrmError):
    status, code, title = 413, "payload_too_large", "Payload too large"
