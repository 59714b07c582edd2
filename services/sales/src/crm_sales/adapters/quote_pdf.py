"""The quote as PDF (fpdf2). One CJK-capable font for everything: Noto Sans CJK from
Debian's ``fonts-noto-cjk`` (Simplified Chinese face of the collection) covers Latin and
Chinese, and fpdf2 embeds only the glyphs used (a quote is a few tens of kB)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from crm_sales.domain.quote import Quote
from crm_sales.errors import DependencyUnavailable

FONT = "quote"
COLUMNS = (
    ("Product 产品", 62),
    ("Qty 数量", 20),
    ("Unit price 单价", 28),
    ("Disc. 折扣", 16),
    ("Tax 税率", 16),
    ("Net 净额", 30),
)


def _amount(value: Decimal) -> str:
    return f"{value:,f}"


class FpdfQuoteDocuments:
    def __init__(self, font_path: str, *, font_index: int = 0) -> None:
        self._font = font_path
        self._index = font_index

    def render(self, quote: Quote, *, deal_name: str, customer_name: str | None) -> bytes:
        # checked here, not at start-up: without the font only sending and PDFs fail (503)
        if not Path(self._font).is_file():
            raise DependencyUnavailable(f"the quote PDF font {self._font} is missing (install fonts-noto-cjk)")
        pdf = FPDF(format="A4")
        pdf.set_title(f"Quote {quote.display_number}")
        pdf.set_creator("CRM sales")
        pdf.add_font(FONT, "", self._font, collection_font_number=self._index)
        pdf.add_page()
        pdf.set_font(FONT, size=18)
        pdf.cell(0, 10, f"Quote 报价单 {quote.display_number}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=10)
        for label, value in (
            ("For 客户", customer_name or ""),
            ("Deal 商机", deal_name),
            ("Valid until 有效期至", quote.valid_until.isoformat()),
            ("Currency 币种", quote.currency),
        ):
            pdf.cell(0, 6, f"{label}: {value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        for title, width in COLUMNS:
            pdf.cell(width, 7, title, border="B")
        pdf.ln()
        for line in quote.lines:
            cells = (
                f"{line.name} ({line.sku})",
                f"{line.quantity.normalize():f} {line.unit}",
                _amount(line.unit_price),
                f"{line.discount_pct.normalize():f}%",
                f"{line.tax_rate.normalize():f}%",
                _amount(line.net),
            )
            for (_, width), text in zip(COLUMNS, cells, strict=True):
                pdf.cell(width, 7, text[:48])
            pdf.ln()
        pdf.ln(3)
        rows: list[tuple[str, Decimal]] = [("Subtotal 小计", quote.subtotal)]
        rows += [
            (f"Tax 税 {rate}%", tax) for rate, tax in sorted(quote.tax_by_rate.items(), key=lambda kv: Decimal(kv[0]))
        ]
        rows.append((f"Total 总计 ({quote.currency})", quote.total))
        for label, amount in rows:
            pdf.cell(142, 7, label, align="R")
            pdf.cell(30, 7, _amount(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return bytes(pdf.output())
