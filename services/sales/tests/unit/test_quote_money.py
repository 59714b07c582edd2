"""Quote arithmetic: totals computed by hand, the rounding rule per currency, and
properties that hold for any lines (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from crm_sales.domain.money import line_amounts, minor_units, round_money, totals
from hypothesis import given
from hypothesis import strategies as st

D = Decimal


def test_three_lines_a_discount_and_two_tax_rates_total_as_computed_by_hand() -> None:
    lines = [
        # 3 x 199.99 = 599.97, no discount, 19 % tax = 113.9943 -> 113.99
        (D("3"), D("199.99"), D("0"), D("19")),
        # 12 x 49.50 = 594.00, less 15 % = 504.90, 7 % tax = 35.343 -> 35.34
        (D("12"), D("49.50"), D("15"), D("7")),
        # 2.5 x 80.10 = 200.25, no discount, 19 % tax = 38.0475 -> 38.05 (half up)
        (D("2.5"), D("80.10"), D("0"), D("19")),
    ]
    amounts = [
        (rate, line_amounts(quantity=q, unit_price=p, discount_pct=d, tax_rate=rate, currency="EUR"))
        for q, p, d, rate in lines
    ]
    assert [(a.net, a.tax, a.total) for _, a in amounts] == [
        (D("599.97"), D("113.99"), D("713.96")),
        (D("504.90"), D("35.34"), D("540.24")),
        (D("200.25"), D("38.05"), D("238.30")),
    ]
    t = totals(amounts, "EUR")
    assert (t.subtotal, t.tax_total, t.total) == (D("1305.12"), D("187.38"), D("1492.50"))
    assert t.tax_by_rate == {D("19"): D("152.04"), D("7"): D("35.34")}


def test_rounding_is_half_up_to_the_minor_unit_of_the_currency() -> None:
    assert round_money(D("0.005"), "EUR") == D("0.01")  # not banker's 0.00
    assert round_money(D("2.675"), "USD") == D("2.68")
    assert round_money(D("1234.5"), "JPY") == D("1235")
    assert round_money(D("1.0005"), "KWD") == D("1.001")
    assert (minor_units("CNY"), minor_units("JPY"), minor_units("BHD")) == (2, 0, 3)


def test_a_full_discount_leaves_nothing_to_tax() -> None:
    a = line_amounts(quantity=D("5"), unit_price=D("10"), discount_pct=D("100"), tax_rate=D("19"), currency="EUR")
    assert (a.net, a.tax, a.total) == (D("0.00"), D("0.00"), D("0.00"))


money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
quantity = st.decimals(min_value=D("0.0001"), max_value=10**4, places=4, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
currency = st.sampled_from(["EUR", "USD", "CNY", "JPY", "KWD"])
line = st.tuples(quantity, money, percent, percent)


@given(st.lists(line, min_size=1, max_size=20), currency)
def test_totals_are_the_sums_of_the_rounded_lines(lines: list[tuple[D, D, D, D]], cur: str) -> None:
    amounts = [
        (rate, line_amounts(quantity=q, unit_price=p, discount_pct=d, tax_rate=rate, currency=cur))
        for q, p, d, rate in lines
    ]
    t = totals(amounts, cur)
    places = minor_units(cur)
    for _, a in amounts:
        for value in (a.net, a.tax, a.total):
            assert value.as_tuple().exponent == -places  # every printed amount has the currency's decimals
            assert value >= 0
        assert a.total == a.net + a.tax
    assert t.subtotal == sum(a.net for _, a in amounts)
    assert t.tax_total == sum(a.tax for _, a in amounts) == sum(t.tax_by_rate.values())
    assert t.total == t.subtotal + t.tax_total


@given(quantity, money, percent, currency)
def test_a_line_is_within_half_a_minor_unit_of_the_exact_value(q: D, p: D, d: D, cur: str) -> None:
    a = line_amounts(quantity=q, unit_price=p, discount_pct=d, tax_rate=D(0), currency=cur)
    exact = q * p * (100 - d) / 100
    assert abs(a.net - exact) <= D(1).scaleb(-minor_units(cur)) / 2
