"""The customer's quote page: plain server-rendered HTML (no script, no login), English
and Simplified Chinese side by side, two forms (accept, decline)."""

from __future__ import annotations

from html import escape

from crm_sales.domain.quote import Quote

STYLE = """body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;max-width:820px;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%}th,td{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}
td.n,th.n{text-align:right}.total{font-weight:bold}.actions{display:flex;gap:1rem;margin-top:1.5rem}
button{font-size:1rem;padding:.6rem 1.4rem;border:0;border-radius:6px;cursor:pointer}
.accept{background:#2b8a3e;color:#fff}.decline{background:#e9ecef}.note{color:#666}"""

STATUS = {
    "sent": "Awaiting your decision · 等待您的决定",
    "accepted": "Accepted · 已接受",
    "declined": "Declined · 已拒绝",
    "expired": "Expired · 已过期",
    "draft": "Being revised · 修订中",
}


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>'
        f"<body>{body}</body></html>"
    )


def quote_page(quote: Quote, *, token: str, can_decide: bool, customer_name: str | None) -> str:
    e = escape
    rows = "".join(
        f"<tr><td>{e(line.name)} <span class=note>{e(line.sku)}</span></td>"
        f"<td class=n>{line.quantity.normalize():f} {e(line.unit)}</td><td class=n>{line.unit_price:,f}</td>"
        f"<td class=n>{line.discount_pct.normalize():f}%</td><td class=n>{line.tax_rate.normalize():f}%</td>"
        f"<td class=n>{line.net:,f}</td></tr>"
        for line in quote.lines
    )
    taxes = "".join(
        f"<tr><td colspan=5 class=n>Tax 税 {e(rate)}%</td><td class=n>{tax:,f}</td></tr>"
        for rate, tax in sorted(quote.tax_by_rate.items())
    )
    actions = (
        f'<div class=actions><form method=post action="{e(token)}/accept">'
        "<button class=accept type=submit data-testid=accept>Accept quote · 接受报价</button></form>"
        f'<form method=post action="{e(token)}/decline">'
        "<button class=decline type=submit data-testid=decline>Decline · 拒绝</button></form></div>"
        if can_decide
        else ""
    )
    body = (
        f"<h1>Quote 报价单 {e(quote.display_number)}</h1>"
        f"<p>{e(customer_name or '')}</p>"
        f"<p data-testid=status><b>{e(STATUS.get(quote.status, quote.status))}</b></p>"
        f"<p>Valid until 有效期至 {quote.valid_until.isoformat()} · {e(quote.currency)}</p>"
        "<table><tr><th>Product 产品</th><th class=n>Qty 数量</th><th class=n>Unit price 单价</th>"
        "<th class=n>Disc. 折扣</th><th class=n>Tax 税率</th><th class=n>Net 净额</th></tr>"
        f"{rows}<tr><td colspan=5 class=n>Subtotal 小计</td><td class=n>{quote.subtotal:,f}</td></tr>{taxes}"
        f"<tr class=total><td colspan=5 class=n>Total 总计 ({e(quote.currency)})</td>"
        f"<td class=n data-testid=total>{quote.total:,f}</td></tr></table>"
        f'<p><a href="{e(token)}/pdf">PDF</a></p>{actions}'
    )
    return _page(f"Quote {quote.display_number}", body)


def message_page(title: str, text: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p data-testid=message>{escape(text)}</p>")
