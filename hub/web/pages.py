"""Dashboard pages: Jinja2 set-up, the page context (language, user, static URLs) and handlers."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from yarl import URL

from hub.activities import KINDS
from hub.i18n import LANG_COOKIE, LANGUAGES, catalogue, request_language, translate, zone_name
from hub.keys import DB, SETTINGS
from hub.meetings.screen_links import find_link
from hub.storage.meetings import get_meeting
from hub.web.admin import is_admin_user
from hub.web.auth import current_user, safe_next
from hub.web.live_feed import setup_live_feed
from hub.web.live_pages import home_rooms, room_page_context

NUMBER = re.compile(r"^[0-9]{5}$")  # ASCII digits: a \d would also take "١٢٣٤٥"
LANG_COOKIE_AGE = 365 * 24 * 3600

# The server's registry of activity kinds, in order: templates and the page config read it.
_KINDS = tuple((kind.name, kind.plural) for kind in KINDS)
# Kinds attendees create (a Q&A question): the meeting page puts their forms where attendees see
# them instead of among the organizer's tools.
ATTENDEE_KINDS = tuple(kind.name for kind in KINDS if kind.created_by == "attendee")
# Kinds the organizer may delete while nobody has used one: their cards get a delete button.
REMOVABLE_KINDS = tuple(kind.name for kind in KINDS if kind.remove is not None)

# Defence in depth behind textContent: no inline script or handler can run on our pages.
# Images may come from WeChat's CDN (room covers) or the simulator's own port (avatars).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src * data: blob:; "
    "media-src *; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def static_url(app: web.Application, path: str) -> str:
    """The URL of a file under static/, versioned by its content so browsers refetch on change."""
    resource = app.router["static"]
    assert isinstance(resource, web.StaticResource)
    return str(resource.url_for(filename=path, append_version=True))


async def page_context(request: web.Request) -> dict[str, Any]:
    """What every page template sees: language and messages, the user, helpers.

    Built when a page renders (not in a per-request middleware), so API and websocket
    requests never pay for the session lookup.
    """
    lang = request_language(request)
    other = "en" if lang == "zh" else "zh"
    user = await current_user(request)
    settings = request.app[SETTINGS]
    return {
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "t": partial(translate, lang),
        "messages": dict(catalogue(lang)),
        "user": user,
        "user_json": user.as_json() if user else None,
        "is_admin": is_admin_user(settings, user),
        "demo": settings.demo,
        "static_url": partial(static_url, request.app),
        "lang_switch_url": str(request.rel_url.update_query(lang=other)),
        "login_url": str(URL("/login").with_query(next=request.path_qs)),
        "default_anchor_img": settings.default_anchor_img,
        "timezone": settings.timezone,
        "zone_name": zone_name(lang, settings.timezone),
    }


async def render(
    request: web.Request, template: str, *, status: int = 200, **extra: Any
) -> web.Response:
    """Render a page with the common context; remember an explicit `?lang=` in a cookie."""
    context = await page_context(request)
    context.update(extra)
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    chosen = request.query.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=LANG_COOKIE_AGE, path="/", samesite="Lax", httponly=True
        )
    # Pages depend on the session and the language: never serve one person's page to another.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _to_login(request: web.Request) -> web.HTTPFound:
    return web.HTTPFound(str(URL("/login").with_query(next=request.path_qs)))


async def error_page(
    request: web.Request, status: int, title_key: str, lead_key: str
) -> web.Response:
    """A friendly HTML error page in the visitor's language."""
    lang = request_language(request)
    return await render(
        request,
        "error.html",
        status=status,
        page="error",
        status_code=status,
        title=translate(lang, title_key),
        lead=translate(lang, lead_key),
    )


async def home(request: web.Request) -> web.Response:
    """GET /: live rooms (searched, filtered and paged by its URL; the first 20 in the HTML),
    join and create a meeting."""
    response = await render(request, "home.html", page="home", **await home_rooms(request))
    response.enable_compression()
    return response


async def live_room(request: web.Request) -> web.Response:
    """GET /live/rooms/{roomid}: one room, its goods and playable replays; a 404 page if unknown."""
    found = await room_page_context(request)
    if found is None:
        return await error_page(request, 404, "live.room_unknown_title", "live.room_unknown_lead")
    response = await render(request, "room.html", page="room_page", **found)
    response.enable_compression()
    return response


async def login(request: web.Request) -> web.Response:
    """GET /login: the "sign in with WeCom" page; signed-in visitors go straight on."""
    target = safe_next(request.query.get("next"))
    if await current_user(request) is not None:
        raise web.HTTPFound(target)
    start = str(URL("/auth/login").with_query(next=target))
    return await render(request, "login.html", page="login", start_url=start)


def page_kinds() -> list[dict[str, str]]:
    """The registered activity kinds, in order, as templates and the page config see them."""
    return [{"kind": name, "plural": plural} for name, plural in _KINDS]


async def _meeting_page(request: web.Request, template: str, page: str) -> web.Response:
    number = request.match_info["number"]
    if not NUMBER.match(number):
        return await error_page(request, 404, "error.not_found", "meeting.not_found")
    if await current_user(request) is None:
        raise _to_login(request)
    return await render(
        request,
        template,
        page=page,
        number=number,
        kinds=page_kinds(),
        attendee_kinds=ATTENDEE_KINDS,
        removable_kinds=REMOVABLE_KINDS,
    )


async def meeting(request: web.Request) -> web.Response:
    """GET /m/{number}: the meeting room (chat, online list, QR, activities)."""
    return await _meeting_page(request, "meeting.html", "meeting")


async def screen(request: web.Request) -> web.Response:
    """GET /m/{number}/screen: the projector view of a signed-in user; never joins the meeting."""
    number = request.match_info["number"]
    if not NUMBER.match(number):
        return await error_page(request, 404, "screen.unknown_title", "screen.unknown_lead")
    if await current_user(request) is None:
        raise _to_login(request)
    # The same page for every number: whether one is in use is the API's to say (to attendees),
    # and the screen shows a clear "no such meeting" when it is not theirs to see.
    return await _screen_page(request, number, None)


async def screen_link(request: web.Request) -> web.Response:
    """GET /s/{token}: the projector view of a screen link, with no sign-in."""
    token = request.match_info["token"]
    db = request.app[DB]
    link = await find_link(db, token)
    meeting = None if link is None or not link.active else await get_meeting(db, link.meeting_id)
    if meeting is None:
        lang = request_language(request)
        response = await render(
            request,
            "screen_error.html",
            status=410 if link is not None else 404,
            page="screen",
            link_state="revoked" if link is not None else "unknown",
            title=translate(lang, "screen.link_title"),
            lead=translate(lang, "screen.link_lead"),
        )
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    return await _screen_page(request, meeting.number, token)


async def _screen_page(request: web.Request, number: str, token: str | None) -> web.Response:
    """The screen: its script reads the number and, on a link, the token from its config."""
    response = await render(
        request,
        "screen.html",
        page="screen",
        number=number,
        kinds=page_kinds(),
        screen={"number": number, "token": token},
    )
    # The token is in the URL: never hand it to another site in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def admin(request: web.Request) -> web.Response:
    """GET /admin: sync runs, quota, tokens, pinning; a 403 page for people who are not admins."""
    user = await current_user(request)
    if user is None:
        raise _to_login(request)
    if not is_admin_user(request.app[SETTINGS], user):
        return await error_page(request, 403, "admin.forbidden_title", "admin.forbidden_lead")
    return await render(request, "admin.html", page="admin")


async def my_meetings(request: web.Request) -> web.Response:
    """GET /me: the meetings I organize or joined (static/js/me.js reads GET /api/me/meetings)."""
    if await current_user(request) is None:
        raise _to_login(request)
    return await render(request, "me.html", page="me")


def setup_pages(app: web.Application, templates_dir: Path) -> None:
    """Jinja2 (autoescaped) over templates/, the page routes and the live-room event feed."""
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.router.add_get("/", home, name="page_home")
    app.router.add_get("/login", login, name="page_login")
    app.router.add_get("/admin", admin, name="page_admin")
    app.router.add_get("/me", my_meetings, name="page_me")
    app.router.add_get("/live/rooms/{roomid}", live_room, name="page_live_room")
    app.router.add_get("/m/{number}", meeting, name="page_meeting")
    app.router.add_get("/m/{number}/screen", screen, name="page_screen")
    app.router.add_get("/s/{token}", screen_link, name="page_screen_link")
    setup_live_feed(app)
