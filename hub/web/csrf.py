"""Cross-site request forgery: a cookie-signed write must come from hub's own pages.

SameSite=Lax keeps the cookie off other *sites*, but a sibling subdomain or another port of
hub's host is the same site: its form posts and no-cors fetches arrive with the cookie. The
browser tells us where a request came from, in this order of trust:

1. `Origin` (every current browser sends it on a cross-origin POST, PUT, PATCH or DELETE);
2. `Sec-Fetch-Site` (sent by every browser since 2023; only `same-origin` passes);
3. `Referer` (older browsers; a page can suppress it, and then step 4 applies).

A request with none of the three comes from no browser we know (a script holding a copied
cookie) or from a browser too old to send any; it passes, as in Go's CrossOriginProtection.
Such a form still cannot pass `read_json`'s JSON Content-Type rule.
"""

from __future__ import annotations

from aiohttp import web

from hub.web.errors import ApiError
from hub.web.origin import origin_of

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def own_origins(request: web.Request, public_url: str) -> set[str]:
    """HUB_PUBLIC_URL's origin and the one the request was addressed to (its Host).

    The second lets a hub reached by a second name (an IP, a test port) serve its own pages;
    a browser only sends the cookie to hub's own host, so an attacker cannot choose it.
    """
    found = {origin_of(public_url), origin_of(str(request.url.origin()))}
    return {o for o in found if o is not None}


def cross_origin_reason(request: web.Request, public_url: str) -> str | None:
    """Why the browser says this request came from another origin, or None when it did not."""
    mine = own_origins(request, public_url)
    origin = request.headers.get("Origin")
    if origin is not None:
        # "null" (sandboxed frames, data: pages, cross-origin redirects) is never ours.
        return None if origin_of(origin) in mine else "Origin"
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return None if fetch_site.strip().lower() == "same-origin" else "Sec-Fetch-Site"
    referer = request.headers.get("Referer")
    if referer is not None:
        return None if origin_of(referer) in mine else "Referer"
    return None


def check_csrf(request: web.Request, public_url: str, session_cookies: tuple[str, ...]) -> None:
    """403 `csrf` for a state-changing request that carries a session cookie from elsewhere.

    Without a session cookie nothing is forged (the request acts as nobody); a bearer token
    alone cannot be sent by another origin's page without a CORS preflight, which hub refuses.
    """
    if request.method not in UNSAFE_METHODS:
        return
    if not any(name in request.cookies for name in session_cookies):
        return
    reason = cross_origin_reason(request, public_url)
    if reason is not None:
        raise ApiError(
            403, "csrf", "this request did not come from hub's own pages", checked=reason
        )
