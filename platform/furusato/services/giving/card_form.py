"""What a page or an API client needs to show the gateway's card form for a pledge."""

from __future__ import annotations

from furusato.payments import get_gateway


def publishable_key() -> str:
    """The key the gateway's script in the browser is started with (public by design)."""
    return get_gateway().publishable_key
