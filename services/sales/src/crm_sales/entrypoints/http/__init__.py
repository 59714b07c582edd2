"""Sales' HTTP routers, in the order the API includes them."""

from crm_sales.entrypoints.http import activities, catalogue, config, deals, insights, leads, public_quotes, quotes

ROUTERS = [
    deals.router,
    leads.router,
    activities.router,
    config.router,
    insights.router,
    catalogue.router,
    quotes.router,
    public_quotes.router,
]
