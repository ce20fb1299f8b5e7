"""Settings: one frozen dataclass read once from the environment (and an optional `.env`).

Each setting is declared once, as a field: its default, and in `Var` metadata its variable name,
how the text is read (with bounds), and a one-line meaning. `_parse` loops over the fields, and the
README's table is printed from the same declaration (`scripts/settings_table`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from hub.cache.sentinel import is_sentinel_url, parse_sentinel_url

T = TypeVar("T")
Parser = Callable[["Var", str], Any]


class ConfigError(Exception):
    """A bad or missing setting; the message is one line that names the variable."""


# --- Readers: the text of one variable to a value, or a one-line ConfigError ----------------


def _text(var: Var, raw: str) -> str:
    return raw


def _bounded(cast: type[int] | type[float], what: str) -> Parser:
    """A reader of whole numbers or numbers within the variable's bounds."""

    def read(var: Var, raw: str) -> int | float:
        try:
            value = cast(raw)
        except ValueError:
            raise ConfigError(f"{var.name} must be {what}, got {raw!r}") from None
        if var.lo is not None and var.hi is not None and not var.lo <= value <= var.hi:
            raise ConfigError(f"{var.name} must be between {var.lo} and {var.hi}, got {value}")
        return value

    return read


_whole = _bounded(int, "a whole number")
_number = _bounded(float, "a number")


def _zone(var: Var, raw: str) -> str:
    """An IANA time zone name the system knows (exports show times in it)."""
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{var.name} must be an IANA time zone such as Asia/Shanghai") from None
    return raw


def _flag(var: Var, raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{var.name} must be 1 or 0 (true/false), got {raw!r}")


def _path(var: Var, raw: str) -> Path:
    return Path(raw)


def _names(var: Var, raw: str) -> frozenset[str]:
    return frozenset(u.strip() for u in raw.split(",") if u.strip())


def _choice(*allowed: str, upper: bool = False) -> Parser:
    """A reader of one word out of `allowed`, case-folded first."""
    spelled = ", ".join(allowed[:-1]) + " or " + allowed[-1]

    def read(var: Var, raw: str) -> str:
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            raise ConfigError(f"{var.name} must be {spelled}, got {value!r}")
        return value

    return read


def _http_url(var: Var, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{var.name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _image_url(var: Var, raw: str) -> str:
    """An http(s) URL, or a path on this site (made absolute in `_parse`)."""
    parts = urlsplit(raw)
    if raw.startswith("/") and not raw.startswith("//"):
        return raw
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{var.name} must be an http(s) URL or a path starting with /")
    return raw


def _database_url(var: Var, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme == "sqlite":
        if not (parts.path or parts.netloc):
            raise ConfigError(f"{var.name}: a sqlite URL needs a path, e.g. sqlite:///var/hub.db")
        return raw
    if parts.scheme in ("mysql", "mariadb"):
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or not parts.path.strip("/") or port == -1:
            raise ConfigError(
                f"{var.name} must look like mysql://user:password@host:3306/dbname "
                "(the host, port or database name is missing or wrong)"
            )
        return raw
    raise ConfigError(
        f"{var.name} must start with sqlite:/// or mysql://, got scheme {parts.scheme!r}"
    )


def _redis_url(var: Var, raw: str) -> str:
    if is_sentinel_url(raw):
        try:
            parse_sentinel_url(raw)
        except ValueError as exc:
            raise ConfigError(f"{var.name}: {exc}") from None
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ConfigError(
            f"{var.name} must look like redis://host:6379/0 or redis+sentinel://host:26379/name"
        )
    return raw


# --- The declaration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """How one setting is read: its variable, reader, bounds and meaning (for the README)."""

    name: str
    doc: str
    read: Parser = _text
    lo: float | None = None
    hi: float | None = None
    derive: Callable[[Mapping[str, Any]], Any] | None = None  # the default, from earlier fields
    shown: str | None = None  # the README's default when it is derived or generated


def setting(
    default: T,
    name: str,
    doc: str,
    read: Parser = _text,
    *,
    lo: float | None = None,
    hi: float | None = None,
    derive: Callable[[Mapping[str, Any]], Any] | None = None,
    shown: str | None = None,
    secret: bool = False,
) -> T:
    """A Settings field read from variable `name`; a secret stays out of `repr`."""
    var = Var(name, doc, read, lo, hi, derive, shown)
    declared: T = field(default=default, repr=not secret, metadata={"var": var})
    return declared


@dataclass(frozen=True)
class Settings:
    """Everything hub reads from its environment. Secrets are kept out of `repr`.

    Fields are read in this order, so a derived default (`derive`) sees the fields above it.
    """

    host: str = setting("127.0.0.1", "HUB_HOST", "address to listen on")
    port: int = setting(8080, "HUB_PORT", "port to listen on", _whole, lo=0, hi=65535)
    data_dir: Path = setting(  # noqa: RUF009 - setting() returns a dataclasses.field
        Path("var"),
        "HUB_DATA_DIR",
        "the SQLite file and, in demo mode, the generated secrets",
        _path,
    )
    database_url: str = setting(
        "sqlite:///var/hub.db",
        "HUB_DATABASE_URL",
        "or `mysql://user:pass@host:3306/db`",
        _database_url,
        derive=lambda v: f"sqlite:///{v['data_dir'] / 'hub.db'}",
        shown="`sqlite:///var/hub.db` (`hub.db` in `HUB_DATA_DIR`)",
        secret=True,
    )
    redis_url: str | None = setting(
        None,
        "HUB_REDIS_URL",
        "`redis://host:6379/0`, or `redis+sentinel://host:26379[,host:port...]/service[/db]` "
        "behind Sentinel; unset keeps the cache and broker in-process",
        _redis_url,
        secret=True,
    )
    redis_prefix: str = setting(
        "hub:",
        "HUB_REDIS_PREFIX",
        "prefix of every Redis key and channel, so several hubs can share a server",
    )
    processes: int = setting(
        1,
        "HUB_PROCESSES",
        "hub processes serving this installation, the same on each; with 2+ a missing "
        "`HUB_REDIS_URL` or a SQLite URL is warned about at start-up",
        _whole,
        lo=1,
        hi=1024,
    )
    public_url: str = setting(
        "http://127.0.0.1:8080",
        "HUB_PUBLIC_URL",
        "base for QR join links, the OAuth redirect and the websocket Origin check",
        _http_url,
        derive=lambda v: f"http://{v['host']}:{v['port']}",
        shown="`http://HOST:PORT`",
    )
    secret_key: str = setting(
        "",
        "HUB_SECRET_KEY",
        "32+ characters; the cookie key is derived from it",
        shown="generated in demo mode; required otherwise",
        secret=True,
    )
    admin_token: str = setting(
        "",
        "HUB_ADMIN_TOKEN",
        "bearer token for admin routes, 16+ characters",
        shown="generated and printed in demo mode; required otherwise",
        secret=True,
    )
    admin_users: frozenset[str] | None = setting(
        None,
        "HUB_ADMIN_USERS",
        "WeCom userids allowed into `/admin` after login, comma separated",
        _names,
        shown="unset (demo: every user)",
    )
    wechat_appid: str | None = setting(
        None, "HUB_WECHAT_APPID", "mini-program app id", shown="unset: demo mode"
    )
    wechat_secret: str | None = setting(
        None, "HUB_WECHAT_SECRET", "mini-program secret, set with the app id", secret=True
    )
    wechat_api_base: str = setting(
        "https://api.weixin.qq.com", "HUB_WECHAT_API_BASE", "mini-program API", _http_url
    )
    wechat_stable_token: bool = setting(
        False,
        "HUB_WECHAT_STABLE_TOKEN",
        "use `/cgi-bin/stable_token` instead of `/cgi-bin/token`",
        _flag,
    )
    wecom_corpid: str | None = setting(
        None, "HUB_WECOM_CORPID", "WeCom corp id", shown="unset: demo mode"
    )
    wecom_secret: str | None = setting(
        None, "HUB_WECOM_SECRET", "WeCom app secret, set with the corp id", secret=True
    )
    wecom_agentid: str | None = setting(
        None, "HUB_WECOM_AGENTID", "WeCom app agent id, required with the corp id"
    )
    wecom_api_base: str = setting(
        "https://qyapi.weixin.qq.com", "HUB_WECOM_API_BASE", "WeCom API", _http_url
    )
    wecom_oauth_base: str = setting(
        "https://open.weixin.qq.com", "HUB_WECOM_OAUTH_BASE", "WeCom sign-in pages", _http_url
    )
    wechat_oa_appid: str | None = setting(
        None,
        "HUB_WECHAT_OA_APPID",
        "公众号 app id: WeChat-browser sign-in (`/auth/wechat/login`); unset turns it off",
    )
    wechat_oa_secret: str | None = setting(
        None, "HUB_WECHAT_OA_SECRET", "公众号 secret, set with its app id", secret=True
    )
    wechat_oauth_base: str = setting(
        "https://open.weixin.qq.com",
        "HUB_WECHAT_OAUTH_BASE",
        "公众号 sign-in pages (its token and userinfo calls use `HUB_WECHAT_API_BASE`)",
        _http_url,
    )
    wechat_may_create: bool = setting(
        False,
        "HUB_WECHAT_MAY_CREATE",
        "`1` lets WeChat users (mini-program, 公众号) create meetings; nickname guests never do",
        _flag,
    )
    guests_per_meeting: int = setting(
        2000,
        "HUB_GUESTS_PER_MEETING",
        "nickname guests one meeting admits",
        _whole,
        lo=1,
        hi=2000,
    )
    guests_per_ip: int = setting(
        20,
        "HUB_GUESTS_PER_IP",
        "nickname guest sign-ins from one client IP per `HUB_GUESTS_IP_WINDOW`",
        _whole,
        lo=1,
        hi=100_000,
    )
    guests_ip_window: float = setting(
        3600.0,
        "HUB_GUESTS_IP_WINDOW",
        "seconds of the per-IP guest budget's window",
        _number,
        lo=1.0,
        hi=86400.0,
    )
    live_daily_quota: int = setting(
        500,
        "HUB_LIVE_DAILY_QUOTA",
        "getliveinfo calls per Beijing day, list and replay together",
        _whole,
        lo=1,
        hi=10_000_000,
    )
    live_sync_interval: float = setting(
        60.0,
        "HUB_LIVE_SYNC_INTERVAL",
        "seconds between syncs at most; stretched when the quota demands",
        _number,
        lo=0.01,
        hi=86400.0,
    )
    live_sync_enabled: bool = setting(
        True, "HUB_LIVE_SYNC", "`0` turns the background sync loop off in this process", _flag
    )
    default_anchor_img: str = setting(
        "/static/img/anchor.png",
        "HUB_DEFAULT_ANCHOR_IMG",
        "`anchor_img` of rooms without one: an http(s) URL, or a path that `HUB_PUBLIC_URL` "
        "makes absolute (a mini-program looks for a relative one in its own package)",
        _image_url,
        shown="`HUB_PUBLIC_URL` + `/static/img/anchor.png`",
    )
    demo: bool = setting(
        True,
        "HUB_DEMO",
        "demo mode: start the simulator and point the clients at it",
        _flag,
        derive=lambda v: not (v["wechat_appid"] or v["wecom_corpid"]),
        shown="`1` when no WeChat or WeCom credentials are set",
    )
    demo_rooms: int = setting(
        60, "HUB_DEMO_ROOMS", "rooms the demo simulator generates", _whole, lo=0, hi=100_000
    )
    simulator_port: int = setting(
        0,
        "HUB_SIMULATOR_PORT",
        "where the demo simulator listens; `0` takes 9100 when free (replay links then survive "
        "a restart), else any free port",
        _whole,
        lo=0,
        hi=65535,
    )
    log_format: str = setting(
        "text",
        "HUB_LOG_FORMAT",
        "`text`, or `json` for one JSON object per line",
        _choice("text", "json"),
    )
    log_level: str = setting(
        "INFO",
        "HUB_LOG_LEVEL",
        "`DEBUG`, `INFO`, `WARNING` or `ERROR`",
        _choice("DEBUG", "INFO", "WARNING", "ERROR", upper=True),
    )
    metrics_loopback_only: bool = setting(
        False,
        "HUB_METRICS_LOOPBACK_ONLY",
        "`1` serves `/metrics` to loopback clients without the admin token",
        _flag,
    )
    leader_ttl: float = setting(
        30.0,
        "HUB_LEADER_TTL",
        "seconds a leadership lock (live sync, token refresh) lives without renewal: "
        "how fast another process takes over from a dead leader",
        _number,
        lo=0.5,
        hi=3600.0,
    )
    session_recheck: float = setting(
        5.0,
        "HUB_SESSION_RECHECK",
        "seconds a process trusts its last look at a session: a logout or revocation applies "
        "at once on the process that made it, on the others within this time",
        _number,
        lo=0.0,
        hi=300.0,
    )
    qr_renders_per_minute: int = setting(
        10,
        "HUB_QR_RENDERS_PER_MINUTE",
        "custom QR codes (`POST /api/qrcode`) one user may render per minute",
        _whole,
        lo=1,
        hi=10_000,
    )
    meetings_per_user: int = setting(
        20,
        "HUB_MEETINGS_PER_USER",
        "open meetings one organizer may run at once (the 100,000 numbers are shared; "
        "100000 means no cap)",
        _whole,
        lo=1,
        hi=100_000,
    )
    meeting_idle_after: float = setting(
        86400.0,
        "HUB_MEETING_IDLE_AFTER",
        "seconds without a join, chat message or activity change after which a meeting is ended",
        _number,
        lo=1.0,
        hi=90 * 86400.0,
    )
    meeting_idle_check: float = setting(
        300.0,
        "HUB_MEETING_IDLE_CHECK",
        "seconds between two looks for idle meetings (in every process)",
        _number,
        lo=0.01,
        hi=86400.0,
    )
    meeting_misses_per_user: int = setting(
        20,
        "HUB_MEETING_MISSES_PER_USER",
        "refused meeting lookups and joins (unknown numbers, wrong passcodes) per user and "
        "window before 429",
        _whole,
        lo=1,
        hi=1_000_000,
    )
    meeting_misses_per_ip: int = setting(
        100,
        "HUB_MEETING_MISSES_PER_IP",
        "the same per client IP (an office may share one address)",
        _whole,
        lo=1,
        hi=1_000_000,
    )
    meeting_miss_window: float = setting(
        60.0,
        "HUB_MEETING_MISS_WINDOW",
        "seconds of the window those refusals are counted in",
        _number,
        lo=1.0,
        hi=86400.0,
    )
    ws_per_user: int = setting(
        5,
        "HUB_WS_PER_USER",
        "websockets one user may hold in one meeting per process; a newer one closes the oldest",
        _whole,
        lo=1,
        hi=1000,
    )
    ws_heartbeat: float = setting(
        25.0,
        "HUB_WS_HEARTBEAT",
        "seconds between the pings of meeting websockets; one silent for a whole round is closed",
        _number,
        lo=1.0,
        hi=3600.0,
    )
    chats_per_user: int = setting(
        20,
        "HUB_CHATS_PER_USER",
        "chat messages one user may send to one meeting per chat window, over all their sockets",
        _whole,
        lo=1,
        hi=100_000,
    )
    chat_window: float = setting(
        2.0,
        "HUB_CHAT_WINDOW",
        "seconds of the window chat messages are counted in",
        _number,
        lo=0.1,
        hi=3600.0,
    )
    timer_tick: float = setting(
        0.2,
        "HUB_TIMER_TICK",
        "seconds between looks of a process's timer loop: a timed activity closes within about "
        "this much after its deadline",
        _number,
        lo=0.01,
        hi=5.0,
    )
    reaction_flush: float = setting(
        0.3,
        "HUB_REACTION_FLUSH",
        "seconds between two merged reaction frames of a meeting, across all processes",
        _number,
        lo=0.2,
        hi=10.0,
    )
    reactions_per_second: float = setting(
        5.0,
        "HUB_REACTIONS_PER_SECOND",
        "reactions one person may send a second on a process; the excess is dropped",
        _number,
        lo=2.0,
        hi=100.0,
    )
    timezone: str = setting(
        "Asia/Shanghai",
        "HUB_TIMEZONE",
        "the meetings' time zone (IANA name): pages and exports show times in it"
        " (exports as YYYY-MM-DD HH:MM:SS)",
        _zone,
    )

    @property
    def secure_cookies(self) -> bool:
        """Cookies get `Secure` when the public URL is https."""
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, env_file: str | None = ".env"
    ) -> Settings:
        """Read settings from `environ` (default: the process environment plus `.env`)."""
        env: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        return _parse(env)


def declared() -> Iterator[tuple[Field[Any], Var]]:
    """Every setting's field and its declaration, in declaration order."""
    for f in fields(Settings):
        yield f, f.metadata["var"]


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _demo_secret(data_dir: Path, name: str, nbytes: int) -> str:
    """A secret generated once and kept in the data directory, so demo restarts keep sessions."""
    path = data_dir / name
    if path.is_file():
        value = path.read_text().strip()
        if value:
            return value
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def _parse(env: Mapping[str, str]) -> Settings:
    v: dict[str, Any] = {}
    for f, var in declared():
        raw = _get(env, var.name)
        if raw is not None:
            v[f.name] = var.read(var, raw)
        elif var.derive is not None:
            v[f.name] = var.read(var, str(var.derive(v)))
        else:
            v[f.name] = f.default

    # Rules across settings.
    if bool(v["wechat_appid"]) != bool(v["wechat_secret"]):
        raise ConfigError("HUB_WECHAT_APPID and HUB_WECHAT_SECRET must be set together")
    if bool(v["wecom_corpid"]) != bool(v["wecom_secret"]):
        raise ConfigError("HUB_WECOM_CORPID and HUB_WECOM_SECRET must be set together")
    if bool(v["wechat_oa_appid"]) != bool(v["wechat_oa_secret"]):
        raise ConfigError("HUB_WECHAT_OA_APPID and HUB_WECHAT_OA_SECRET must be set together")
    if v["demo"]:
        v["secret_key"] = v["secret_key"] or _demo_secret(v["data_dir"], "secret_key", 48)
        v["admin_token"] = v["admin_token"] or _demo_secret(v["data_dir"], "admin_token", 24)
    if not v["secret_key"]:
        raise ConfigError("HUB_SECRET_KEY is required outside demo mode (32+ characters)")
    if len(v["secret_key"]) < 32:
        raise ConfigError("HUB_SECRET_KEY must be at least 32 characters")
    if not v["admin_token"]:
        raise ConfigError("HUB_ADMIN_TOKEN is required outside demo mode (16+ characters)")
    if len(v["admin_token"]) < 16:
        raise ConfigError("HUB_ADMIN_TOKEN must be at least 16 characters")
    if v["default_anchor_img"].startswith("/"):
        # Clients outside a browser (the mini-program) cannot resolve a path against hub.
        v["default_anchor_img"] = v["public_url"] + v["default_anchor_img"]
    if not v["demo"] and v["wecom_corpid"] and not v["wecom_agentid"]:
        raise ConfigError("HUB_WECOM_AGENTID is required with HUB_WECOM_CORPID")
    return Settings(**v)


# --- The README's table -----------------------------------------------------------------------


def _shown_default(f: Field[Any], var: Var) -> str:
    """The default as the README shows it."""
    if var.shown is not None:
        return var.shown
    value = f.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{int(value)}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def _bound(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else str(value)


def _meaning(var: Var) -> str:
    if var.lo is None or var.hi is None:
        return var.doc
    return f"{var.doc} ({_bound(var.lo)} to {_bound(var.hi)})"


def markdown_table() -> str:
    """The README's settings table: one row per variable, from the declaration."""
    rows = ["| name | default | meaning |", "|---|---|---|"]
    for f, var in declared():
        rows.append(f"| `{var.name}` | {_shown_default(f, var)} | {_meaning(var)} |")
    return "\n".join(rows) + "\n"


def readme_defaults() -> dict[str, str]:
    """Each variable's default as the README's table must show it."""
    return {var.name: _shown_default(f, var) for f, var in declared()}
