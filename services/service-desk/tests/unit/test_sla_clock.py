"""The SLA clock as pure functions of a ticket's history, with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_service_desk.domain.calendar import Calendar, Window
from crm_service_desk.domain.sla import PolicyRules, StatusChange, TargetRule, TicketSla, choose_sla
from crm_service_desk.domain.ticket import Comment, Ticket
from crm_shared.clock import FakeClock

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


def sla(cal: Calendar | None = None, fr_min: int = 60, res_min: int = 240, share: float = 0.8) -> TicketSla:
    return TicketSla(
        policy_id="p",
        policy_name="standard",
        first_response_s=fr_min * 60,
        resolution_s=res_min * 60,
        warning_share=share,
        calendar=cal or Calendar(),
    )


def ticket(s: TicketSla | None, at: datetime = T0) -> Ticket:
    return Ticket(
        id="t1",
        customer_id="c1",
        subject="help",
        channel="email",
        priority="normal",
        sla=s,
        status_log=[StatusChange(status="new", at=at)],
        created_at=at,
        updated_at=at,
    ).with_sla(at)


def agent_reply(at: datetime, public: bool = True) -> Comment:
    return Comment(id="x", author_id="agent", author_kind="agent", public=public, body="hi", created_at=at)


def test_deadlines_and_next_check_on_a_24x7_calendar() -> None:
    t = ticket(sla())
    assert t.first_response_due_at == T0 + timedelta(minutes=60)
    assert t.resolution_due_at == T0 + timedelta(minutes=240)
    assert t.sla_next_check_at == T0 + timedelta(minutes=48)  # 80 % of the first response target
    assert t.sla_due(T0 + timedelta(minutes=47)) == []
    assert t.sla_due(T0 + timedelta(minutes=48)) == [("first_response", "warning", T0 + timedelta(minutes=48))]


def test_warning_comes_before_its_breach_when_both_are_late() -> None:
    t = ticket(sla())
    due = t.sla_due(T0 + timedelta(minutes=250))
    assert [(target, kind) for target, kind, _ in due] == [
        ("first_response", "warning"),
        ("first_response", "breach"),
        ("resolution", "warning"),
        ("resolution", "breach"),
    ]


def test_recorded_items_are_not_due_again_and_next_check_moves_on() -> None:
    clock = FakeClock(T0 + timedelta(minutes=48))
    t = ticket(sla())
    due = t.sla_due(clock())
    t = t.record_sla(due, now=clock(), event_ids={("first_response", "warning"): "e1"})
    assert t.sla_due(clock()) == []
    assert t.sla_next_check_at == T0 + timedelta(minutes=60)
    assert t.sla_breaches == []


def test_the_clock_pauses_while_pending_and_on_hold() -> None:
    clock = FakeClock(T0)
    t = ticket(sla())
    t, _ = t.move_to("open", clock.advance(minutes=10))
    t, _ = t.move_to("pending", clock.advance(minutes=20))  # 30 min used
    assert t.sla_next_check_at is None  # nothing can fall due while paused
    assert t.sla_due(clock.advance(hours=5)) == []
    t, _ = t.move_to("on_hold", clock.advance(minutes=5))
    t, _ = t.move_to("open", clock.advance(minutes=30))  # paused 5h35
    resumed = clock()
    assert t.first_response_due_at == resumed + timedelta(minutes=30)
    assert t.resolution_due_at == resumed + timedelta(minutes=210)
    assert t.sla_next_check_at == resumed + timedelta(minutes=18)  # 48 - 30


def test_first_public_agent_reply_meets_first_response_but_internal_notes_do_not() -> None:
    clock = FakeClock(T0)
    t = ticket(sla())
    t, _ = t.add_comment(agent_reply(clock.advance(minutes=20), public=False))
    assert t.first_response_at is None
    t, _ = t.add_comment(agent_reply(clock.advance(minutes=10)))
    assert t.first_response_at == T0 + timedelta(minutes=30)
    later = clock.advance(minutes=100)
    assert [(a, b) for a, b, _ in t.sla_due(later)] == []  # resolution warns at 192 min
    assert t.first_response_due_at == T0 + timedelta(minutes=60)  # kept for reference
    t, _ = t.add_comment(agent_reply(clock.advance(minutes=5)))
    assert t.first_response_at == T0 + timedelta(minutes=30)  # only the first one counts


def test_a_late_reply_is_still_a_breach() -> None:
    clock = FakeClock(T0)
    t = ticket(sla())
    t, _ = t.add_comment(agent_reply(clock.advance(minutes=75)))
    due = t.sla_due(clock())
    assert ("first_response", "breach", T0 + timedelta(minutes=60)) in due


def test_solving_stops_resolution_and_reopening_resumes_it() -> None:
    clock = FakeClock(T0)
    t = ticket(sla())
    t, _ = t.add_comment(agent_reply(clock.advance(minutes=10)))
    t, kind = t.move_to("solved", clock.advance(minutes=90))  # 100 min used
    assert kind == "resolved"
    assert t.sla_due(clock.advance(days=2)) == []
    t, kind = t.move_to("open", clock())
    assert kind == "reopened"
    assert t.resolution_due_at == clock() + timedelta(minutes=140)


def test_requester_reply_brings_a_pending_ticket_back_to_open() -> None:
    clock = FakeClock(T0)
    t = ticket(sla())
    t, _ = t.move_to("pending", clock.advance(minutes=10))
    reply = Comment(
        id="r", author_id="c1", author_kind="requester", public=True, body="here", created_at=clock.advance(minutes=60)
    )
    t, kind = t.add_comment(reply)
    assert (t.status, kind) == ("open", "status_changed")
    assert t.first_response_at is None
    assert t.first_response_due_at == clock() + timedelta(minutes=50)


def test_business_hours_with_time_zone_and_pause() -> None:
    cal = Calendar(
        kind="business_hours",
        timezone="America/New_York",
        hours={d: [Window(start="09:00", end="17:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    # Friday 2025-03-07 16:30 New York (EST) = 21:30 UTC; 1 h target.
    friday = datetime(2025, 3, 7, 21, 30, tzinfo=UTC)
    clock = FakeClock(friday)
    t = ticket(sla(cal, fr_min=60, res_min=8 * 60), at=friday)
    # 30 min on Friday, 30 min on Monday (EDT from 2025-03-09: 09:00 = 13:00 UTC).
    assert t.first_response_due_at == datetime(2025, 3, 10, 13, 30, tzinfo=UTC)
    t, _ = t.move_to("pending", clock.advance(minutes=20))  # 20 business minutes used
    t, _ = t.move_to("open", datetime(2025, 3, 10, 15, 0, tzinfo=UTC))  # Monday 11:00 EDT
    assert t.first_response_due_at == datetime(2025, 3, 10, 15, 40, tzinfo=UTC)
    # 7h40 left: Monday 11:00-17:00, Tuesday 09:00-10:40 EDT
    assert t.resolution_due_at == datetime(2025, 3, 11, 14, 40, tzinfo=UTC)


def test_policy_choice_by_priority_tier_and_position() -> None:
    gold = PolicyRules(
        name="gold",
        position=1,
        targets=[TargetRule(priority="urgent", tier="gold", first_response_s=600, resolution_s=3600)],
    )
    standard = PolicyRules(
        name="standard",
        position=5,
        warning_share=0.5,
        targets=[
            TargetRule(priority="urgent", first_response_s=1800, resolution_s=7200),
            TargetRule(priority="urgent", tier="silver", first_response_s=1200, resolution_s=5400),
        ],
    )
    policies = [("std", standard), ("gold", gold)]
    chosen = choose_sla(policies, priority="urgent", tier="gold", default_warning_share=0.8)
    assert chosen is not None
    assert (chosen.policy_id, chosen.first_response_s, chosen.warning_share) == ("gold", 600, 0.8)
    chosen = choose_sla(policies, priority="urgent", tier="silver", default_warning_share=0.8)
    assert chosen is not None
    assert (chosen.policy_id, chosen.first_response_s, chosen.warning_share) == ("std", 1200, 0.5)
    chosen = choose_sla(policies, priority="urgent", tier=None, default_warning_share=0.8)
    assert chosen is not None
    assert chosen.first_response_s == 1800
    assert choose_sla(policies, priority="low", tier="gold", default_warning_share=0.8) is None
    inactive = [("gold", gold.model_copy(update={"active": False}))]
    assert choose_sla(inactive, priority="urgent", tier="gold", default_warning_share=0.8) is None


def test_no_policy_no_deadlines() -> None:
    t = ticket(None)
    assert (t.first_response_due_at, t.resolution_due_at, t.sla_next_check_at) == (None, None, None)
    assert t.sla_due(T0 + timedelta(days=30)) == []
