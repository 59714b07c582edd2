"""Sales' HTTP routers, in the order the API includes them."""

from crm_sales.entrypoints.http import activities, config, deals, insights, leads

ROUTERS = [deals.router, leads.router, activities.router, config.router, insights.router]
