"""Exchange rates an admin sets (no external rate service), dated, and conversion to the
reporting currency for forecasts and funnels.

A rate says: from ``valid_from`` on, 1 ``currency`` = ``rate`` reporting-currency units.
On a given day the latest rate already in effect applies; the reporting currency is 1.
Converted amounts are exact decimals, rounded half up to the reporting currency's minor
unit only when shown (:func:`crm_sales.domain.money.round_money`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Self

from crm_shared.errors import ValidationFailed
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_sales.domain.common import Currency, money_str
from crm_sales.domain.money import round_money

RATES_ID = "rates"
Rate = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=10)]


class FxRate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: Currency
    valid_from: date
    rate: Rate = Field(description="Reporting-currency units per 1 unit of `currency`.")


class FxTable(BaseModel):
    """``PUT /fx-rates``: the whole table (admins)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rates: list[FxRate] = Field(default_factory=list, max_length=5000)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        keys = [(r.currency, r.valid_from) for r in self.rates]
        if len(set(keys)) != len(keys):
            raise ValueError("one rate per currency and day")
        return self

    def rate(self, currency: str, *, reporting: str, on: date) -> Decimal | None:
        if currency == reporting:
            return Decimal(1)
        effective = [r for r in self.rates if r.currency == currency and r.valid_from <= on]
        return max(effective, key=lambda r: r.valid_from).rate if effective else None

    def cross(self, currency: str, *, to: str, base: str, on: date) -> Decimal | None:
        """Units of ``to`` per 1 ``currency`` through the base (reporting) currency of the table."""
        there, back = self.rate(currency, reporting=base, on=on), self.rate(to, reporting=base, on=on)
        return there / back if there is not None and back is not None else None

    def convert(self, amount: Decimal, currency: str, *, reporting: str, on: date) -> Decimal:
        """``amount`` in the reporting currency; 422 if no rate is in effect on ``on``."""
        rate = self.rate(currency, reporting=reporting, on=on)
        if rate is None:
            raise ValidationFailed.field(
                ["reporting_currency"],
                f"no {currency} rate in effect on {on}: an admin sets it in /fx-rates",
                "no_rate",
            )
        return amount * rate


FORECAST_AMOUNTS = ("open_amount", "weighted_amount", "won_amount")


def forecast_in(forecast: dict[str, Any], table: FxTable, *, reporting: str, base: str, today: date) -> dict[str, Any]:
    """The forecast's per-currency months added up in the reporting currency: each month at
    the rate in effect on its first day (unscheduled deals: today's rate). Currencies with
    no rate in effect are left out and named in ``unconverted``. Rates are against ``base``
    (the deployment's reporting currency); another ``reporting`` currency goes through it.
    The per-currency amounts converted are the forecast's as shown (rounded to the cent)."""
    months: dict[str, dict[str, Decimal]] = {}
    unconverted: set[str] = set()
    for row in forecast["months"]:
        month = str(row["month"])
        on = date.fromisoformat(f"{month}-01") if len(month) == 7 and month[4] == "-" else today
        rate = table.cross(str(row["currency"]), to=reporting, base=base, on=on)
        if rate is None:
            unconverted.add(str(row["currency"]))
            continue
        acc = months.setdefault(month, dict.fromkeys(FORECAST_AMOUNTS, Decimal(0)))
        for k in FORECAST_AMOUNTS:
            acc[k] += Decimal(str(row[k])) * rate
    totals = {k: sum((m[k] for m in months.values()), Decimal(0)) for k in FORECAST_AMOUNTS}

    def shown(values: dict[str, Decimal]) -> dict[str, str]:
        return {k: money_str(round_money(v, reporting)) for k, v in values.items()}

    return {
        "currency": reporting,
        "months": [{"month": m, **shown(v)} for m, v in months.items()],
        "totals": shown(totals),
        "unconverted": sorted(unconverted),
    }
