"""Command line: `python run.py [serve|migrate|...]`; `serve` is the default."""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import logging
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress

from aiohttp import web

from hub.cache import CacheUnavailable
from hub.logs import AccessLogger, configure_logging, json_logging
from hub.settings import ConfigError, Settings
from hub.startup_checks import warn_risky_settings
from hub.storage import DatabaseUnavailable, open_database
from hub.storage.migrations import migrate
from hub.wechat.endpoints import WeChatEndpoints

log = logging.getLogger("hub")

Command = Callable[[argparse.Namespace], int]


def _settings() -> Settings:
    settings = Settings.from_env()
    secrets = (settings.secret_key, settings.admin_token, settings.wechat_secret)
    configure_logging(settings.log_level, settings.log_format, [s for s in secrets if s])
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the hub until interrupted."""
    from hub.app import create_app

    settings = _settings()
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    if settings.demo:
        from hub.demo import demo_banner

        print(demo_banner(settings), flush=True)
    warn_risky_settings(settings)
    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        serving = loop.create_task(_serve(create_app(settings), host, port))
        try:
            loop.run_until_complete(serving)
        except web.GracefulExit:
            # SIGTERM or SIGINT. Cancel the server alone first: its cleanup stops accepting,
            # closes websockets with 1001 and waits for handlers while they still run; the
            # runner cancels whatever is left only afterwards.
            serving.cancel()
            with suppress(asyncio.CancelledError):
                loop.run_until_complete(serving)
    return 0


async def _serve(app: web.Application, host: str, port: int) -> None:
    """Serve until cancelled, cleaning up even when start-up fails half-way.

    web.run_app skips the cleanup when a cleanup context fails to start, so the contexts
    already open (the database pool) would be left to the garbage collector after the loop
    closed, which prints a traceback after hub's one-line error.
    """
    runner = web.AppRunner(
        app, handle_signals=True, shutdown_timeout=10, access_log_class=AccessLogger
    )
    try:
        await runner.setup()
        # The listener copies the context it starts in into every connection's task: start it
        # in an empty one, so nothing start-up set (a library's context variable) rides along
        # with each request, and a request id set and reset leaves nothing behind per socket.
        site = web.TCPSite(runner, host, port)
        await asyncio.create_task(site.start(), context=contextvars.Context())
        bound_host, bound_port = runner.addresses[0][:2]
        log.info("serving on http://%s:%s", bound_host, bound_port)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations and exit."""
    settings = _settings()

    async def run() -> list[int]:
        db = await open_database(settings.database_url)
        try:
            return await migrate(db)
        finally:
            await db.close()

    applied = asyncio.run(run())
    log.info("applied %d migration(s)%s", len(applied), f": {applied}" if applied else "")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run the WeChat + WeCom simulator alone, in the foreground."""
    from hub.simulator import SimConfig, run_simulator

    configure_logging("INFO")
    print(f"hub: simulator with {args.rooms} rooms on http://{args.host}:{args.port}", flush=True)
    run_simulator(SimConfig(rooms=args.rooms, seed=args.seed), args.host, args.port)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync the live rooms once and print what it did (demo mode: from a simulator of its own)."""
    from hub.live.cli import run_sync_command

    settings = _settings()
    if not settings.demo:
        return run_sync_command(settings)
    from hub.demo import demo_simulator

    @asynccontextmanager
    async def simulated() -> AsyncIterator[WeChatEndpoints]:
        async with demo_simulator(settings) as (_, endpoints):
            yield endpoints

    return run_sync_command(settings, simulated)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="run.py", description="hub: a realtime WeChat hub")
    sub = parser.add_subparsers(dest="command", metavar="{serve,migrate,simulate,sync}")
    serve = sub.add_parser("serve", help="run the web server (default)")
    serve.add_argument("--host", default=None, help="listen address (default HUB_HOST)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default HUB_PORT)")
    serve.set_defaults(func=cmd_serve)
    mig = sub.add_parser("migrate", help="apply database migrations and exit")
    mig.set_defaults(func=cmd_migrate)
    sim = sub.add_parser("simulate", help="run the WeChat + WeCom simulator alone")
    sim.add_argument("--rooms", type=int, default=60, help="generated rooms (default 60)")
    sim.add_argument("--port", type=int, default=9100, help="listen port (default 9100)")
    sim.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    sim.add_argument("--seed", type=int, default=None, help="room generator seed (default random)")
    sim.set_defaults(func=cmd_simulate)
    sub.add_parser("sync", help="sync the live rooms once and print what it did").set_defaults(
        func=cmd_sync
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, dispatch, and turn configuration failures into one clear line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])])
    func: Command = args.func
    try:
        return func(args)
    except ConfigError as exc:
        _fatal(f"configuration error: {exc}")
    except DatabaseUnavailable as exc:
        _fatal(f"HUB_DATABASE_URL: {exc}")
    except CacheUnavailable as exc:
        _fatal(f"HUB_REDIS_URL: {exc}")
    except KeyboardInterrupt:
        return 0
    return 2


def _fatal(message: str) -> None:
    """One line on stderr: a JSON log line when the logs are JSON, so a shipper takes it too."""
    if json_logging():
        log.error("%s", message)
    else:
        print(f"hub: {message}", file=sys.stderr)
