"""Sandboxed templates: built-ins render every sample event; the sandbox holds."""

from __future__ import annotations

import pytest
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.models import TemplateSpec
from crm_notifications.service.compose import Composer
from crm_notifications.service.config_cache import ConfigView
from crm_notifications.service.preview import Previewer
from crm_notifications.templates.engine import TemplateEngine, TemplateInvalid, one_line
from crm_shared.events.samples import sample_events
from jinja2.exceptions import SecurityError

ENGINE = TemplateEngine()
COMPOSER = Composer(ENGINE, console_url="https://crm.example")


@pytest.mark.parametrize(
    "event", [e for e in sample_events() if not e.type.startswith("crm.notification")], ids=lambda e: e.type
)
def test_every_sample_event_renders_with_its_builtin(event) -> None:  # type: ignore[no-untyped-def]
    d = Delivery(
        id="d",
        event_id=event.id,
        event_type=event.type,
        customerid=event.customerid,
        rule_id="r",
        recipient="u",
        channel="email",
        next_attempt_at=event.time,
        created_at=event.time,
        updated_at=event.time,
    )
    message, html = COMPOSER.compose(ConfigView(), d, event)
    assert message.title
    assert "{{" not in message.title
    assert "\n" not in message.title
    assert message.title != f"{event.type}: {event.subject}", "uses a specific template, not the fallback"
    assert html
    assert "<html>" in html


def test_deal_won_reads_well() -> None:
    out = Previewer(COMPOSER).render(event_type="crm.deal.won", channel="slack", name=None, spec=None)
    assert out["subject"] == "Deal won: Nordwind fleet tracking, 140 vehicles (51,750.00 EUR)"
    assert out["text"] == "Nordwind fleet tracking, 140 vehicles was won for 51,750.00 EUR. Why: best fleet coverage."
    assert out["payload"]["blocks"][0]["type"] == "header"


def test_sandbox_refuses_unsafe_access() -> None:
    spec = TemplateSpec(subject="{{ ''.__class__.__mro__[1].__subclasses__() }}", text="x")
    with pytest.raises(SecurityError):
        ENGINE.render(spec, {})
    with pytest.raises(SecurityError):  # immutable: no mutation of the context
        ENGINE.render(TemplateSpec(subject="s", text="{{ data.update({'a': 1}) }}"), {"data": {}})


def test_html_is_autoescaped_text_is_not() -> None:
    spec = TemplateSpec(subject="{{ v }}", text="{{ v }}", html="<p>{{ v }}</p>")
    out = ENGINE.render(spec, {"v": "<script>x</script>"})
    assert out.text == "<script>x</script>"
    assert out.html == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    layout = ENGINE.layout_html(title="<b>", text="a\nb", facts=[("<k>", "v")], link=None)
    assert "&lt;b&gt;" in layout
    assert "&lt;k&gt;" in layout


def test_syntax_errors_name_the_part_and_subjects_are_one_line() -> None:
    with pytest.raises(TemplateInvalid) as err:
        ENGINE.check(TemplateSpec(subject="ok", text="{% for %}"))
    assert err.value.part == "text"
    assert one_line("a\r\nBcc: x@y\n b") == "a Bcc: x@y b"


def test_broken_override_falls_back_to_builtin() -> None:
    view = ConfigView(templates={"crm.deal.won|slack": TemplateSpec(subject="{{ 1 / 0 }}", text="x")})
    out = Previewer(COMPOSER).render(event_type="crm.deal.won", channel="slack", name=None, spec=None, view=view)
    assert out["subject"].startswith("Deal won:")
