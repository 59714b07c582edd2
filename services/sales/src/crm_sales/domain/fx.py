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
from typing import Annotated, Self

from crm_shared.errors import ValidationFailed
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_sales.domain.common import Currency

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
