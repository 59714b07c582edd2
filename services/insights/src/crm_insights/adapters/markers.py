"""Where a marker lives in a bucket document: ``m.<deal>`` holds ``<deal>@<rev>``."""

from __future__ import annotations


def marker_field(marker: str) -> str:
    deal = marker.rsplit("@", 1)[0]
    # Field names may not hold dots or start with '$': escape them reversibly.
    return "m." + deal.replace("%", "%25").replace(".", "%2E").replace("$", "%24")
