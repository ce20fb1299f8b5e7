"""Assembly of the simulator app, and running it on a real TCP port."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from . import hooks, images, wechat, wecom, wx_login
from .config import SimConfig
from .state import SIM_STATE, SimState

log = logging.getLogger(__name__)


def create_simulator_app(config: SimConfig) -> web.Application:
    """Build the simulator: WeChat and WeCom endpoints at their real paths plus /_sim/ hooks."""
    app = web.Application(client_max_size=1024**2)
    app[SIM_STATE] = SimState(config)
    r = app.router
    r.add_get("/cgi-bin/token", wechat.token)
    r.add_post("/cgi-bin/stable_token", wechat.stable_token)
    r.add_post("/wxa/business/getliveinfo", wechat.getliveinfo)
    r.add_get("/cgi-bin/gettoken", wecom.gettoken)
    r.add_get("/connect/oauth2/authorize", wecom.authorize)
    r.add_get("/cgi-bin/auth/getuserinfo", wecom.getuserinfo)
    r.add_post("/cgi-bin/auth/getuserdetail", wecom.getuserdetail)
    r.add_get("/cgi-bin/user/get", wecom.user_get)
    r.add_get("/sns/jscode2session", wx_login.jscode2session)
    r.add_get("/sns/oauth2/access_token", wx_login.oauth2_access_token)
    r.add_get("/sns/userinfo", wx_login.userinfo)
    r.add_post("/_sim/wx/login", wx_login.wx_login)
    r.add_get("/_sim/img/{kind}/{key}.svg", images.image)
    r.add_get("/_sim/media/{roomid}/{seg}.m3u8", images.media)
    r.add_get("/_sim/media/{roomid}/{seg}.webm", images.video)
    r.add_get("/_sim/state", hooks.get_state)
    r.add_post("/_sim/rooms", hooks.post_rooms)
    r.add_post("/_sim/rooms/generate", hooks.generate)
    r.add_delete("/_sim/rooms/{roomid}", hooks.delete_room)
    r.add_post("/_sim/faults", hooks.post_faults)
    r.add_delete("/_sim/faults", hooks.delete_faults)
    r.add_post("/_sim/tokens/rotate", hooks.rotate_token)
    r.add_post("/_sim/reset", hooks.reset)
    r.add_post("/_sim/clock", hooks.clock)
    r.add_post("/_sim/names", hooks.names)
    return app


@dataclass
class RunningSimulator:
    """A simulator listening on a real port; close() stops it."""

    url: str
    app: web.Application
    runner: web.AppRunner

    async def close(self) -> None:
        """Stop listening and release the app's resources."""
        await self.runner.cleanup()


async def start_simulator(
    config: SimConfig, host: str = "127.0.0.1", port: int = 0
) -> RunningSimulator:
    """Serve a new simulator on host:port (0 picks a free port) and return where it listens."""
    app = create_simulator_app(config)
    # handler_cancellation off (the default) keeps dropped-connection faults quiet.
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    url = f"http://{_url_host(str(bound_host))}:{bound_port}"
    log.info("simulator listening on %s", url)
    return RunningSimulator(url=url, app=app, runner=runner)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def run_simulator(config: SimConfig, host: str, port: int) -> None:
    """Run a simulator in the foreground until interrupted (python run.py simulate)."""
    web.run_app(create_simulator_app(config), host=host, port=port)
