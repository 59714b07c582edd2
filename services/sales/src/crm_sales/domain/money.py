"""Quote arithmetic: exact decimals and one stated rounding rule.

Rounding (the rule every quote, PDF and total follows):

- amounts are rounded to the currency's minor unit (ISO 4217: 2 decimals for most,
  0 for JPY, KRW, VND, CLP, ISK...; 3 for BHD, KWD, OMR, JOD, TND...), **half up**
  (commercial rounding: 0.005 -> 0.01), never banker's rounding;
- each line is rounded on its own: ``net = round(quantity x unit_price x (1 - discount/100))``,
  ``tax = round(net x tax_rate/100)``, ``total = net + tax``;
- the quote's subtotal, tax total and total are the sums of the rounded line amounts,
  so the document adds up exactly as printed (no cent appears from nowhere);
- quantities, prices, discounts and rates are exact decimals from input strings; no float.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"), 0),
    **dict.fromkeys(("VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
"""Currencies whose minor unit is not 2 decimals (ISO 4217); every other has 2."""

HUNDRED = Decimal(100)


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def round_money(value: Decimal, currency: str) -> Decimal:
    """``value`` rounded half up to the currency's minor unit (``Decimal("12.35")``)."""
    return value.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal
    total: Decimal


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount_pct: Decimal, tax_rate: Decimal, currency: str
) -> LineAmounts:
    net = round_money(quantity * unit_price * (HUNDRED - discount_pct) / HUNDRED, currency)
    tax = round_money(net * tax_rate / HUNDRED, currency)
    return LineAmounts(net=net, tax=tax, total=net + tax)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    tax_by_rate: dict[Decimal, Decimal]


def totals(lines: list[tuple[Decimal, LineAmounts]], currency: str) -> Totals:
    """Sums of rounded ``(tax_rate, amounts)`` lines, and the tax per rate (for the PDF)."""
    zero = round_money(Decimal(0), currency)
    by_rate: dict[Decimal, Decimal] = {}
    for rate, amounts in lines:
        by_rate[rate.normalize()] = by_rate.get(rate.normalize(), zero) + amounts.tax
    subtotal = sum((a.net for _, a in lines), zero)
    tax = sum((a.tax for _, a in lines), zero)
    return Totals(subtotal=subtotal, tax_total=tax, total=subtotal + tax, tax_by_rate=by_rate)
