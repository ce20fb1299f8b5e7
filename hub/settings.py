"""Settings: one frozen dataclass read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

WECHAT_API_BASE = "https://api.weixin.qq.com"
WECOM_API_BASE = "https://qyapi.weixin.qq.com"
WECOM_OAUTH_BASE = "https://open.weixin.qq.com"


class ConfigError(Exception):
    """A bad or missing setting; the message is one line that names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything hub reads from its environment. Secrets are kept out of `repr`."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("var")
    database_url: str = field(default="sqlite:///var/hub.db", repr=False)
    redis_url: str | None = field(default=None, repr=False)
    redis_prefix: str = "hub:"
    public_url: str = "http://127.0.0.1:8080"
    secret_key: str = field(default="", repr=False)
    admin_token: str = field(default="", repr=False)
    admin_users: frozenset[str] | None = None
    wechat_appid: str | None = None
    wechat_secret: str | None = field(default=None, repr=False)
    wechat_api_base: str = WECHAT_API_BASE
    wechat_stable_token: bool = False
    wecom_corpid: str | None = None
    wecom_secret: str | None = field(default=None, repr=False)
    wecom_agentid: str | None = None
    wecom_api_base: str = WECOM_API_BASE
    wecom_oauth_base: str = WECOM_OAUTH_BASE
    live_daily_quota: int = 500
    live_sync_interval: float = 60.0
    live_sync_enabled: bool = True
    default_anchor_img: str = "/static/img/anchor.png"
    demo: bool = True
    demo_rooms: int = 60
    simulator_port: int = 0
    log_format: str = "text"
    log_level: str = "INFO"
    metrics_loopback_only: bool = False
    leader_ttl: float = 30.0

    @property
    def database_dialect(self) -> str:
        """`sqlite` or `mysql`, from the scheme of the database URL."""
        return "sqlite" if self.database_url.startswith("sqlite:") else "mysql"

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


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _get(env, name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true/false), got {raw!r}")


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = _get(env, name) or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    raw = _get(env, "HUB_DATABASE_URL") or f"sqlite:///{data_dir / 'hub.db'}"
    parts = urlsplit(raw)
    if parts.scheme == "sqlite":
        if not (parts.path or parts.netloc):
            raise ConfigError(
                "HUB_DATABASE_URL: a sqlite URL needs a path, e.g. sqlite:///var/hub.db"
            )
        return raw
    if parts.scheme in ("mysql", "mariadb"):
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or not parts.path.strip("/") or port == -1:
            raise ConfigError(
                "HUB_DATABASE_URL must look like mysql://user:password@host:3306/dbname "
                "(the host, port or database name is missing or wrong)"
            )
        return raw
    raise ConfigError(
        f"HUB_DATABASE_URL must start with sqlite:/// or mysql://, got scheme {parts.scheme!r}"
    )


def _redis_url(env: Mapping[str, str]) -> str | None:
    raw = _get(env, "HUB_REDIS_URL")
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ConfigError("HUB_REDIS_URL must look like redis://host:6379/0")
    return raw


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
    host = _get(env, "HUB_HOST") or "127.0.0.1"
    port = _int(env, "HUB_PORT", 8080, 0, 65535)
    data_dir = Path(_get(env, "HUB_DATA_DIR") or "var")
    appid, mp_secret = _get(env, "HUB_WECHAT_APPID"), _get(env, "HUB_WECHAT_SECRET")
    corpid, corp_secret = _get(env, "HUB_WECOM_CORPID"), _get(env, "HUB_WECOM_SECRET")
    agentid = _get(env, "HUB_WECOM_AGENTID")
    if bool(appid) != bool(mp_secret):
        raise ConfigError("HUB_WECHAT_APPID and HUB_WECHAT_SECRET must be set together")
    if bool(corpid) != bool(corp_secret):
        raise ConfigError("HUB_WECOM_CORPID and HUB_WECOM_SECRET must be set together")
    demo = _bool(env, "HUB_DEMO", not (appid or corpid))

    secret_key = _get(env, "HUB_SECRET_KEY")
    admin_token = _get(env, "HUB_ADMIN_TOKEN")
    if demo:
        secret_key = secret_key or _demo_secret(data_dir, "secret_key", 48)
        admin_token = admin_token or _demo_secret(data_dir, "admin_token", 24)
    if not secret_key:
        raise ConfigError("HUB_SECRET_KEY is required outside demo mode (32+ characters)")
    if len(secret_key) < 32:
        raise ConfigError("HUB_SECRET_KEY must be at least 32 characters")
    if not admin_token:
        raise ConfigError("HUB_ADMIN_TOKEN is required outside demo mode (16+ characters)")
    if len(admin_token) < 16:
        raise ConfigError("HUB_ADMIN_TOKEN must be at least 16 characters")
    if not demo and corpid and not agentid:
        raise ConfigError("HUB_WECOM_AGENTID is required with HUB_WECOM_CORPID")

    admin_raw = _get(env, "HUB_ADMIN_USERS")
    admin_users = (
        frozenset(u.strip() for u in admin_raw.split(",") if u.strip()) if admin_raw else None
    )
    log_format = (_get(env, "HUB_LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError(f"HUB_LOG_FORMAT must be text or json, got {log_format!r}")
    log_level = (_get(env, "HUB_LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"HUB_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")

    return Settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=_database_url(env, data_dir),
        redis_url=_redis_url(env),
        redis_prefix=_get(env, "HUB_REDIS_PREFIX") or "hub:",
        public_url=_http_url(env, "HUB_PUBLIC_URL", f"http://{host}:{port}"),
        secret_key=secret_key,
        admin_token=admin_token,
        admin_users=admin_users,
        wechat_appid=appid,
        wechat_secret=mp_secret,
        wechat_api_base=_http_url(env, "HUB_WECHAT_API_BASE", WECHAT_API_BASE),
        wechat_stable_token=_bool(env, "HUB_WECHAT_STABLE_TOKEN", False),
        wecom_corpid=corpid,
        wecom_secret=corp_secret,
        wecom_agentid=agentid,
        wecom_api_base=_http_url(env, "HUB_WECOM_API_BASE", WECOM_API_BASE),
        wecom_oauth_base=_http_url(env, "HUB_WECOM_OAUTH_BASE", WECOM_OAUTH_BASE),
        live_daily_quota=_int(env, "HUB_LIVE_DAILY_QUOTA", 500, 1, 10_000_000),
        live_sync_interval=_float(env, "HUB_LIVE_SYNC_INTERVAL", 60.0, 0.01, 86400.0),
        live_sync_enabled=_bool(env, "HUB_LIVE_SYNC", True),
        default_anchor_img=_get(env, "HUB_DEFAULT_ANCHOR_IMG") or "/static/img/anchor.png",
        demo=demo,
        demo_rooms=_int(env, "HUB_DEMO_ROOMS", 60, 0, 100_000),
        simulator_port=_int(env, "HUB_SIMULATOR_PORT", 0, 0, 65535),
        log_format=log_format,
        log_level=log_level,
        metrics_loopback_only=_bool(env, "HUB_METRICS_LOOPBACK_ONLY", False),
        leader_ttl=_float(env, "HUB_LEADER_TTL", 30.0, 0.5, 3600.0),
    )
