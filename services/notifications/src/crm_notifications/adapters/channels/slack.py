"""Slack incoming webhooks."""

from __future__ import annotations

import orjson

from crm_notifications.adapters.channels.base import SendJob, SendResult, post_json
from crm_notifications.adapters.http_client import SafeHttpClient
from crm_notifications.formatters import slack


class SlackSender:
    def __init__(self, http: SafeHttpClient) -> None:
        self._http = http

    async def send(self, job: SendJob) -> SendResult:
        if job.endpoint is None:
            return SendResult.permanent("no Slack endpoint")
        return await post_json(self._http, job.endpoint, orjson.dumps(slack.payload(job.message)), now=job.now)
