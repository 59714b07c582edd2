"""Every log line of notifications with its secrets masked.

Webhook URLs carry their credential in the path (Slack, Teams, Mattermost) and
signing secrets are credentials: the API shows them masked (``domain.masking``) and
the logs must not show more. Libraries log URLs too (httpx logs each request's full
URL at INFO; transport errors and tracebacks name it), so masking is not a rule each
call site has to remember: every record of the process is masked when it is made (its
message, traceback and stack), and the handlers' filter masks the string extras too.
"""

from __future__ import annotations

import logging
from typing import Any

from crm_notifications.domain.masking import mask_text

_STD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
_FORMATTER = logging.Formatter()


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message, traceback, stack and string extras masked (idempotent)."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: the handler reports it as it would
        return record
    record.msg, record.args = mask_text(message), None
    for key, value in list(record.__dict__.items()):
        if isinstance(value, str) and key not in _STD_ATTRS and not key.startswith("_"):
            record.__dict__[key] = mask_text(value)
    if record.exc_info and record.exc_info[1] is not None:
        # Formatted here, where it can be masked, so no formatter sees the raw exception:
        # stdlib formatters print ``exc_text``; structlog's JSON takes the ``exception`` extra.
        text = mask_text(_FORMATTER.formatException(record.exc_info))
        record.exc_info, record.exc_text = None, text
        record.exception = text
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    return record


class MaskSecrets(logging.Filter):
    """On a handler: masks what was added to a record after it was made (``extra={...}``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_FILTER = MaskSecrets()
_installed: dict[str, bool] = {}


def install_log_masking() -> None:
    """Mask every record this process makes, from now on; filter the root logger's
    current handlers for the extras. Idempotent; called when a container is made."""
    if not _installed.get("factory"):
        make = logging.getLogRecordFactory()

        def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return mask_record(make(*args, **kwargs))

        logging.setLogRecordFactory(masked_record)
        _installed["factory"] = True
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
