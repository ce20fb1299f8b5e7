"""Log lines: one per event, JSON or text, request ids on HTTP lines, secrets masked everywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.logs import AccessLogger, MaskingFormatter, mask_secrets, request_id
from hub.settings import Settings

MP_SECRET = "mp-secret-abcdef0123456789"
TOKEN = "ACCESS_TOKEN_Zx9" + "q" * 40
CODE = "oauth-code-77f1e2"
TICKET = "user-ticket-5566aa"
ADMIN = "admin-token-0123456789abcd"
DB_PASSWORD = "dbpass-s3cr3t"

# Messages the way real call sites produce them: URLs, JSON bodies, headers, connection strings.
LEAKY = [
    ("fetching %s", f"https://api.weixin.qq.com/cgi-bin/token?appid=wx1&secret={MP_SECRET}"),
    ("calling %s", f"https://api.weixin.qq.com/wxa/business/getliveinfo?access_token={TOKEN}"),
    ("callback %s", f"/auth/callback?code={CODE}&state=abc"),
    ("answer %s", json.dumps({"access_token": TOKEN, "user_ticket": TICKET, "expires_in": 7200})),
    ("headers %s", f"Authorization: Bearer {ADMIN}"),
    ("db %s", f"mysql://hub:{DB_PASSWORD}@db.internal:3306/hub"),
    ("literal %s", f"the configured secret is {MP_SECRET} here"),
]
SECRETS = (MP_SECRET, TOKEN, CODE, TICKET, ADMIN, DB_PASSWORD)


@pytest.fixture(params=["text", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[tuple[str, io.StringIO]]:
    """A masking handler of the given format on the root logger, capturing into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(MaskingFormatter(request.param == "json", [MP_SECRET]))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield request.param, buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def lines_of(fmt: str, buffer: io.StringIO) -> list[str]:
    """The captured lines; in JSON mode each must be one JSON object."""
    lines = buffer.getvalue().splitlines()
    if fmt == "json":
        for line in lines:
            json.loads(line)
    return lines


def test_secrets_are_masked_in_messages_and_tracebacks(captured: tuple[str, io.StringIO]) -> None:
    fmt, buffer = captured
    log = logging.getLogger("hub.test.masking")
    for template, arg in LEAKY:
        log.info(template, arg)
    try:
        raise RuntimeError(f"token refresh failed for secret={MP_SECRET} code={CODE}")
    except RuntimeError:
        log.exception("while calling %s", f"/cgi-bin/gettoken?corpsecret={MP_SECRET}")
    text = buffer.getvalue()
    for secret in SECRETS:
        assert secret not in text
    assert text.count("***") >= len(LEAKY)
    lines = lines_of(fmt, buffer)
    # One line per event: the traceback lives inside the JSON line (text mode keeps Python's form).
    if fmt == "json":
        assert len(lines) == len(LEAKY) + 1
        assert "RuntimeError" in json.loads(lines[-1])["exc"]


def test_error_codes_in_json_bodies_stay_readable(captured: tuple[str, io.StringIO]) -> None:
    _, buffer = captured
    logging.getLogger("hub.test").info("wechat said %s", '{"errcode": 40001, "code": "x1"}')
    assert "40001" in buffer.getvalue()


def test_lines_carry_the_current_request_id(captured: tuple[str, io.StringIO]) -> None:
    fmt, buffer = captured
    token = request_id.set("rid-abc123")
    try:
        logging.getLogger("hub.test").warning("something happened")
    finally:
        request_id.reset(token)
    logging.getLogger("hub.test").warning("outside any request")
    first, second = lines_of(fmt, buffer)
    if fmt == "json":
        assert json.loads(first)["request_id"] == "rid-abc123"
        assert json.loads(second)["request_id"] == "-"
    else:
        assert "[rid-abc123]" in first
        assert "[-]" in second


async def test_access_lines_carry_request_id_and_mask_oauth_codes(
    captured: tuple[str, io.StringIO],
    make_settings: Callable[..., Settings],
    aiohttp_client: Callable[..., object],
) -> None:
    fmt, buffer = captured
    app = create_app(make_settings())
    server = TestServer(app)
    await server.start_server(access_log_class=AccessLogger)
    client = TestClient(server)
    try:
        resp = await client.get(f"/healthz?code={CODE}", headers={"X-Request-Id": "req-from-lb-1"})
        assert resp.status == 200
        resp = await client.get("/api/missing")
        assert resp.status == 404
        generated = resp.headers["X-Request-Id"]
    finally:
        await client.close()
    access = [line for line in lines_of(fmt, buffer) if "aiohttp.access" in line]
    assert len(access) == 2
    assert CODE not in buffer.getvalue()
    if fmt == "json":
        first, second = (json.loads(line) for line in access)
        assert first["request_id"] == "req-from-lb-1"
        assert first["http"]["status"] == 200
        assert first["http"]["path"] == "/healthz?code=***"
        assert second["request_id"] == generated
        assert second["http"]["status"] == 404
    else:
        assert "[req-from-lb-1]" in access[0]
        assert "/healthz?code=***" in access[0]
        assert f"[{generated}]" in access[1]
        assert " 404 " in access[1]


async def test_handler_logs_inside_a_request_carry_its_id(
    captured: tuple[str, io.StringIO],
    make_settings: Callable[..., Settings],
    aiohttp_client: Callable[..., object],
) -> None:
    fmt, buffer = captured
    app = create_app(make_settings())

    async def noisy(request: web.Request) -> web.Response:
        logging.getLogger("hub.test.handler").info("handling the request")
        return web.json_response({})

    app.router.add_get("/t/noisy", noisy)
    server = TestServer(app)
    await server.start_server()
    client = TestClient(server)
    try:
        await client.get("/t/noisy", headers={"X-Request-Id": "inner-7"})
    finally:
        await client.close()
    line = next(ln for ln in lines_of(fmt, buffer) if "handling the request" in ln)
    assert "inner-7" in line


def test_screen_link_tokens_are_masked_wherever_they_appear() -> None:
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    for text in (
        f'"GET /s/{token} HTTP/1.1" 200',
        f"https://hub.example.com/s/{token}",
        f'{{"path": "/s/{token}"}}',
        f"Authorization: Screen {token}",
    ):
        masked = mask_secrets(text)
        assert token not in masked and "***" in masked
    assert mask_secrets(f"/static/s/{token}") == f"/static/s/{token}"  # only a link's own path
