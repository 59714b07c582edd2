"""Generic webhooks, signed per Standard Webhooks (``webhook-id`` = the delivery id, so
receivers dedupe retries; a fresh timestamp and signature on every attempt)."""

from __future__ import annotations

from crm_notifications.adapters.channels.base import SendJob, SendResult, post_json
from crm_notifications.adapters.http_client import SafeHttpClient
from crm_notifications.formatters import webhook


class WebhookSender:
    def __init__(self, http: SafeHttpClient) -> None:
        self._http = http

    async def send(self, job: SendJob) -> SendResult:
        endpoint = job.endpoint
        if endpoint is None or endpoint.secret is None:
            return SendResult.permanent("no webhook endpoint or signing secret")
        content = webhook.payload(
            job.message, delivery_id=job.delivery_id, rule_id=job.rule_id, event=job.event, now=job.now
        )
        body = webhook.body(content)
        headers = webhook.signature_headers(
            secret=endpoint.secret.get_secret_value(), msg_id=job.delivery_id, body=body, now=job.now
        )
        return await post_json(self._http, endpoint, body, now=job.now, headers=headers)
