"""No log line of a webhook delivery shows its secret, a token or the URL's path: the API
masks them, and so do the worker's logs (its own, httpx's request lines, tracebacks)."""

from __future__ import annotations

import logging

import pytest
from crm_devtools.testkit import eventually
from crm_notifications.bootstrap import Container
from crm_notifications.domain.models import EndpointSpec, Recipient, RuleSpec
from crm_notifications.testing import fresh_event
from crm_shared.auth import Principal
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="admin-1", roles=frozenset({"admin"}))
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PATH_TOKEN = "T0A1B2C3/B9Z8Y7X6/k3yInThePathXyZ123"
QUERY_TOKEN = "sig-0123456789abcdef"


def rendered(record: logging.LogRecord) -> str:
    """Everything a handler could print of the record: message, extras, traceback, stack."""
    parts = [record.getMessage(), record.exc_text or "", record.stack_info or ""]
    parts += [repr(v) for k, v in record.__dict__.items() if k not in {"msg", "args", "message"}]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


async def test_a_webhook_delivery_logs_no_secret_token_or_url_path(
    container: Container, sink: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    path = f"/hooks/{PATH_TOKEN}"
    sink.expect_oneshot_request(path, method="POST").respond_with_data(f"failed at {sink.url_for(path)}", status=500)
    sink.expect_request(path, method="POST").respond_with_data("ok")
    url = f"{sink.url_for(path)}?token={QUERY_TOKEN}"
    await container.config.put_endpoint(
        ADMIN, "hook", EndpointSpec(name="hook", kind="webhook", url=url, secret=SECRET), expected=None, create=True
    )  # type: ignore[arg-type]
    await container.config.put_rule(
        ADMIN,
        "won-to-hook",
        RuleSpec(name="won", event_type="crm.deal.won", recipients=[Recipient(kind="endpoint", value="hook")]),
        expected=None,
        create=True,
    )
    caplog.set_level(logging.DEBUG)
    await container.start()
    event = fresh_event("crm.deal.won")
    await container.dispatcher.handle(event)

    async def delivered() -> bool:
        items, _ = await container.log.search(ADMIN, event_id=event.id)
        return bool(items and items[0]["status"] == "delivered")

    await eventually(delivered)
    try:  # a library's exception naming the URL, logged with its traceback
        raise ValueError(f"cannot post to {url} with {SECRET}")
    except ValueError:
        logging.getLogger("crm_notifications.test").exception("sending raised", extra={"endpoint": url})

    ours = [r for r in caplog.records if r.name != "werkzeug"]  # the sink's own access log is the receiver's
    text = "\n".join(rendered(r) for r in ours)
    for leaked in (SECRET, SECRET.removeprefix("whsec_"), "T0A1B2C3", "k3yInThePath", QUERY_TOKEN, "/hooks/"):
        assert leaked not in text, leaked
    http_lines = [r.getMessage() for r in ours if r.name.startswith("httpx")]
    assert http_lines
    assert all(f"{sink.host}:{sink.port}/****" in m for m in http_lines)
    assert "whsec_****LaSw" in text  # recognisable, as the API shows it


def test_masking_is_idempotent_and_keeps_what_is_not_secret() -> None:
    from crm_notifications.domain.masking import mask_text

    line = f'POST https://hooks.slack.com/services/{PATH_TOKEN} "HTTP/1.1 200 OK" Bearer abc.def.ghi {SECRET}'
    once = mask_text(line)
    assert once == 'POST https://hooks.slack.com/**** "HTTP/1.1 200 OK" Bearer **** whsec_****LaSw'
    assert mask_text(once) == once
    assert mask_text("delivery d-1 failed: HTTP 503") == "delivery d-1 failed: HTTP 503"
