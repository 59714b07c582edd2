"""Built-in templates, one per event type (any channel), plus the digest and the
e-mail HTML layout. Admins override them per template name and channel through the
API; these stay as the fallback."""

from __future__ import annotations

from crm_notifications.domain.models import TemplateSpec

_DEAL = "{{ snapshot.name }}"
_AMOUNT = "{{ snapshot.amount | money(snapshot.currency) }}"
_TICKET = "{{ snapshot.subject }}"

_BUILTIN: dict[str, tuple[str, str]] = {
    "crm.deal.created": (f"New deal: {_DEAL}", f"{_DEAL} was opened at {_AMOUNT}."),
    "crm.deal.updated": (f"Deal updated: {_DEAL}", "Changed: {{ data.changed_fields | join(', ') | humanise }}."),
    "crm.deal.stage_changed": (
        f"Deal moved to {{{{ data.to_stage | humanise }}}}: {_DEAL}",
        f"{_DEAL} moved from {{{{ data.from_stage | humanise }}}} to {{{{ data.to_stage | humanise }}}}"
        " ({{ data.probability }}% likely).",
    ),
    "crm.deal.won": (
        f"Deal won: {_DEAL} ({_AMOUNT})",
        f"{_DEAL} was won for {_AMOUNT}.{{% if data.reason %}} Why: {{{{ data.reason }}}}.{{% endif %}}",
    ),
    "crm.deal.lost": (f"Deal lost: {_DEAL}", f"{_DEAL} was lost. Why: {{{{ data.reason | humanise }}}}."),
    "crm.deal.follow_up_due": (
        f"Follow up on {_DEAL}",
        f"No activity on {_DEAL} for {{{{ data.idle_days }}}} days (since {{{{ data.idle_since | day }}}}).",
    ),
    "crm.lead.created": (
        "New lead: {{ snapshot.first_name }} {{ snapshot.last_name }}",
        "From {{ snapshot.source | humanise }}, score {{ snapshot.score }}.",
    ),
    "crm.lead.updated": (
        "Lead updated: {{ snapshot.first_name }} {{ snapshot.last_name }}",
        "Changed: {{ data.changed_fields | reject('equalto', 'updated_at') | join(', ') | humanise }}.",
    ),
    "crm.lead.assigned": (
        "Lead assigned: {{ snapshot.first_name }} {{ snapshot.last_name }}",
        "{{ snapshot.company_name or 'A lead' }} is yours to work (score {{ snapshot.score }}).",
    ),
    "crm.lead.converted": (
        "Lead converted: {{ snapshot.first_name }} {{ snapshot.last_name }}",
        "The lead became a customer{% if data.deal_id %} with a new deal{% endif %}.",
    ),
    "crm.lead.disqualified": (
        "Lead disqualified: {{ snapshot.first_name }} {{ snapshot.last_name }}",
        "Reason: {{ data.reason | humanise }}.",
    ),
    "crm.ticket.opened": (
        f"{{{{ snapshot.priority | capitalize }}}} ticket: {_TICKET}",
        "Opened via {{ snapshot.channel }} in {{ snapshot.group or 'no group' }}.",
    ),
    "crm.ticket.assigned": (f"Ticket assigned: {_TICKET}", "The ticket is now yours."),
    "crm.ticket.updated": (f"Ticket updated: {_TICKET}", "Changed: {{ data.changed_fields | join(', ') | humanise }}."),
    "crm.ticket.status_changed": (
        f"Ticket {{{{ data.to_status | humanise }}}}: {_TICKET}",
        "Status went from {{ data.from_status | humanise }} to {{ data.to_status | humanise }}.",
    ),
    "crm.ticket.commented": (f"New comment on {_TICKET}", "{{ data.body_excerpt }}"),
    "crm.ticket.sla_warning": (
        f"SLA at risk ({{{{ data.target | humanise }}}}): {_TICKET}",
        "{{ (data.elapsed_share * 100) | round | int }}% of the {{ data.target | humanise }} time is used;"
        " due {{ data.due_at | when }}.",
    ),
    "crm.ticket.sla_breached": (
        f"SLA breached ({{{{ data.target | humanise }}}}): {_TICKET}",
        "The {{ data.target | humanise }} target was due {{ data.due_at | when }} and is breached.",
    ),
    "crm.ticket.resolved": (f"Ticket solved: {_TICKET}", "Solved."),
    "crm.ticket.closed": (f"Ticket closed: {_TICKET}", "Closed."),
    "crm.ticket.reopened": (f"Ticket reopened: {_TICKET}", "The requester came back."),
    "crm.ticket.mailed": (
        "{{ data.subject }}",
        "{{ data.body }}{% if data.csat_url %}\n\nHow did we do? Rate our help: {{ data.csat_url }}{% endif %}",
    ),
    "crm.quote.sent": (
        "Quote {{ snapshot.number }}-{{ snapshot.revision }} · 报价单: {{ snapshot.total | money(snapshot.currency) }}",
        "{% if data.recipient.name %}Dear {{ data.recipient.name }},\n\n{% endif %}"
        "please find our quote {{ snapshot.number }}-{{ snapshot.revision }} attached"
        " ({{ snapshot.total | money(snapshot.currency) }}, valid until {{ snapshot.valid_until }})."
        " View it, accept or decline it here: {{ data.link }}\n\n"
        "您好,附件是我们的报价单。请通过以上链接查看、接受或拒绝。",
    ),
    "crm.quote.accepted": (
        "Quote accepted: {{ snapshot.number }}-{{ snapshot.revision }} {{ snapshot.total | money(snapshot.currency) }}",
        "The customer accepted quote {{ snapshot.number }}-{{ snapshot.revision }}; the deal's amount follows.",
    ),
    "crm.quote.declined": (
        "Quote declined: {{ snapshot.number }}-{{ snapshot.revision }}",
        "The customer declined the quote.{% if data.reason %} Why: {{ data.reason }}.{% endif %}",
    ),
    "crm.quote.expired": (
        "Quote expired: {{ snapshot.number }}-{{ snapshot.revision }}",
        "Quote {{ snapshot.number }}-{{ snapshot.revision }} passed {{ snapshot.valid_until }} without an answer.",
    ),
    "crm.catalogue.product_changed": (
        "Product {{ data.change }}: {{ snapshot.name }} ({{ snapshot.sku }})",
        "{{ snapshot.name }} is {{ 'active' if snapshot.active else 'inactive' }}.",
    ),
    "crm.catalogue.price_book_changed": (
        "Price book {{ data.change }}: {{ snapshot.name }}",
        "{{ snapshot.currency }} prices for {{ snapshot.segment }} from {{ snapshot.valid_from }}.",
    ),
    "crm.ticket.csat_recorded": (f"CSAT {{{{ data.rating }}}}/5: {_TICKET}", "{{ data.comment or '' }}"),
    "crm.customer.created": (
        "New customer: {{ snapshot.display_name }}",
        "Lifecycle stage: {{ snapshot.lifecycle_stage | humanise }}.",
    ),
    "crm.customer.updated": (
        "Customer updated: {{ snapshot.display_name }}",
        "Changed: {{ data.changed_fields | join(', ') | humanise }}.",
    ),
    "crm.customer.merged": (
        "Customers merged into {{ snapshot.display_name }}",
        "{{ data.merged_ids | length }} duplicate(s) merged.",
    ),
    "crm.customer.erased": ("Customer erased", "A customer's personal data was erased ({{ data.reason | humanise }})."),
    "crm.segment.membership_changed": (
        "Segment {{ data.segment_id }}: customer {{ data.change }}",
        "Customer {{ data.customer_id }} {{ data.change }} the segment ({{ data.cause | humanise }}).",
    ),
    "crm.consent.recorded": (
        "Consent {{ data.action }}: {{ data.purpose }} by {{ data.channel }}",
        "Customer {{ data.customer_id }}: {{ data.action }} ({{ data.legal_basis | humanise }}, {{ data.source }}).",
    ),
    "crm.directory.user_created": ("New colleague: {{ snapshot.name }}", "{{ snapshot.title or snapshot.email }}."),
    "crm.directory.user_updated": (
        "Profile updated: {{ snapshot.name }}",
        "Changed: {{ data.changed_fields | join(', ') | humanise }}.",
    ),
    "crm.directory.user_deactivated": (
        "Deactivated: {{ snapshot.name }}",
        "{{ snapshot.name }} can no longer sign in.",
    ),
    "crm.directory.membership_changed": (
        "{{ snapshot.name }} {{ data.change }} {{ data.team_id }}",
        "Teams now: {{ snapshot.teams | join(', ') }}.",
    ),
    "crm.directory.team_updated": ("Team {{ snapshot.name }}", "Department: {{ snapshot.department }}."),
}

FALLBACK = TemplateSpec(
    subject="{{ event.type }}: {{ event.subject }}",
    text="{{ event.type }} on {{ event.subject }} at {{ event.time | when }}.",
)

DIGEST = TemplateSpec(
    subject="{{ entries | length }} CRM update{{ 's' if entries | length != 1 }}",
    text="{% for e in entries %}- {{ e.title }}{% if e.text %}: {{ e.text }}{% endif %}\n{% endfor %}",
)

EMAIL_LAYOUT = """<!doctype html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;">
<h2 style="margin:0 0 12px 0;">{{ title }}</h2>
{% for line in text.splitlines() if line.strip() %}<p style="margin:0 0 8px 0;">{{ line }}</p>
{% endfor %}{% if entries %}<ul>{% for e in entries %}<li><strong>{{ e.title }}</strong>
{%- if e.text %}: {{ e.text }}{% endif %}{% if e.link %} (<a href="{{ e.link }}">open</a>){% endif %}</li>
{% endfor %}</ul>{% endif %}{% if facts %}<table style="border-collapse:collapse;margin-top:8px;">
{% for label, value in facts %}<tr><td style="padding:2px 12px 2px 0;color:#52606d;">{{ label }}</td>
<td style="padding:2px 0;">{{ value }}</td></tr>
{% endfor %}</table>{% endif %}{% if link %}<p><a href="{{ link }}">Open in the CRM</a></p>{% endif %}
</body></html>
"""


def builtin(name: str) -> TemplateSpec | None:
    if name == "digest":
        return DIGEST
    pair = _BUILTIN.get(name)
    return TemplateSpec(subject=pair[0], text=pair[1]) if pair else None


def builtin_names() -> list[str]:
    return [*sorted(_BUILTIN), "digest"]
