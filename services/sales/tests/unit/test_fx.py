"""Dated exchange rates set by an admin and the forecast in a reporting currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from crm_sales.domain.fx import FxRate, FxTable, forecast_in
from crm_shared.errors import ValidationFailed
from pydantic import ValidationError

D = Decimal
TABLE = FxTable(
    rates=[
        FxRate(currency="USD", valid_from=date(2025, 1, 1), rate=D("0.90")),
        FxRate(currency="USD", valid_from=date(2025, 4, 1), rate=D("0.80")),
        FxRate(currency="CNY", valid_from=date(2025, 1, 1), rate=D("0.125")),
    ]
)


def test_the_rate_in_effect_on_the_day_applies() -> None:
    assert TABLE.rate("USD", reporting="EUR", on=date(2025, 3, 31)) == D("0.90")
    assert TABLE.rate("USD", reporting="EUR", on=date(2025, 4, 1)) == D("0.80")
    assert TABLE.rate("USD", reporting="EUR", on=date(2024, 12, 31)) is None
    assert TABLE.rate("EUR", reporting="EUR", on=date(2020, 1, 1)) == 1
    assert TABLE.cross("CNY", to="USD", base="EUR", on=date(2025, 2, 1)) == D("0.125") / D("0.90")
    with pytest.raises(ValidationFailed):
        TABLE.convert(D(1), "JPY", reporting="EUR", on=date(2025, 2, 1))


def test_one_rate_per_currency_and_day() -> None:
    with pytest.raises(ValidationError):
        FxTable(rates=[FxRate(currency="USD", valid_from=date(2025, 1, 1), rate=D(1))] * 2)


def test_the_forecast_adds_up_every_currency_at_each_months_rate() -> None:
    keys = ("month", "currency", "open_amount", "weighted_amount", "won_amount")
    rows = [
        ("2025-03", "EUR", "100.00", "50.00", "0.00"),
        ("2025-03", "USD", "100.00", "50.00", "10.00"),
        ("2025-04", "USD", "100.00", "25.00", "0.00"),
        ("2025-04", "JPY", "1000", "100", "0"),
    ]
    forecast = {"months": [dict(zip(keys, row, strict=True)) for row in rows]}
    out = forecast_in(forecast, TABLE, reporting="EUR", base="EUR", today=date(2025, 3, 15))
    assert out["months"] == [
        {"month": "2025-03", "open_amount": "190.00", "weighted_amount": "95.00", "won_amount": "9.00"},
        {"month": "2025-04", "open_amount": "80.00", "weighted_amount": "20.00", "won_amount": "0.00"},
    ]
    assert out["totals"] == {"open_amount": "270.00", "weighted_amount": "115.00", "won_amount": "9.00"}
    assert out["unconverted"] == ["JPY"]
