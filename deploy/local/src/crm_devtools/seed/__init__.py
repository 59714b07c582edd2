"""``crm seed``: realistic, deterministic demo data through the services' public APIs.

``await seed(ServiceUrls.local(), size="small", progress=False)`` seeds a running stack
(``crm dev``) and returns a :class:`SeedReport`; ``store_is_empty(urls)`` tells whether
contacts holds no customer yet.
"""

from crm_devtools.seed.client import ServiceUrls, Tokens
from crm_devtools.seed.plan import SIZES, build_plan
from crm_devtools.seed.report import SeedReport
from crm_devtools.seed.run import seed, store_is_empty

__all__ = ["SIZES", "SeedReport", "ServiceUrls", "Tokens", "build_plan", "seed", "store_is_empty"]
