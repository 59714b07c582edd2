"""Which recipients a delivery status notification (RFC 3464) reports as failed.

A DSN is ``multipart/report; report-type=delivery-status``; its
``message/delivery-status`` part holds one block per recipient with ``Action`` and
``Final-Recipient: rfc822; <address>``. Only ``Action: failed`` counts (``delayed`` is a
soft bounce and the server keeps trying).
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import Message


def failed_recipients(raw: bytes) -> list[str]:
    mail = message_from_bytes(raw, policy=policy.default)
    found: list[str] = []
    for part in mail.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
        for block in blocks[1:]:  # the first block is about the message, the rest per recipient
            if str(block.get("Action", "")).strip().lower() != "failed":
                continue
            recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            address = recipient.partition(";")[2].strip() if ";" in recipient else recipient.strip()
            if "@" in address:
                found.append(address.strip("<>").lower())
    return found
