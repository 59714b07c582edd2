"""Requests per client address per minute, in this API process (a flood from one address
is refused; several API instances each allow the rate: a bound, not an exact quota)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from aiolimiter import AsyncLimiter

MAX_TRACKED = 10_000


class PerAddressLimit:
    def __init__(self, per_minute: int) -> None:
        self._rate = per_minute
        self._limits: OrderedDict[str, AsyncLimiter] = OrderedDict()

    async def allow(self, address: str) -> bool:
        """Take one request's capacity for ``address``; False if it has none left."""
        key = hashlib.sha256(address.encode()).hexdigest()[:32]  # no address kept in clear
        limit = self._limits.pop(key, None) or AsyncLimiter(self._rate, 60)
        self._limits[key] = limit
        while len(self._limits) > MAX_TRACKED:
            self._limits.popitem(last=False)
        if not limit.has_capacity():
            return False
        await limit.acquire()  # immediate: there is capacity (one request at a time per loop step)
        return True
