"""No text inside a log record can start a line of its own (security F11) or break the write."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.logs import CONTINUATION, MaskingFormatter
from hub.settings import Settings

# The review's reproduction: a path that decodes to a line looking exactly like a record.
FORGED = "2026-01-01 00:00:00,000 INFO hub.web.auth [0000000000000000] user ceo signed in FORGED"
FORGED_PATH = "/t/boom/x%0A" + FORGED.replace(" ", "%20").replace(",", "%2C")
# Every kind of character that ends a line somewhere, rewrites a terminal, reorders text or
# cannot be encoded as UTF-8.
NASTY = {
    "LF": "\n",
    "CR": "\r",
    "VT": "\x0b",
    "FF": "\x0c",
    "ESC": "\x1b",
    "NUL": "\x00",
    "DEL": "\x7f",
    "NEL": "\x85",
    "CSI": "\x9b",
    "LS": "\u2028",
    "PS": "\u2029",
    "RLO": "\u202e",
    "surrogate": "\udc80",
}


@pytest.fixture(params=["text", "json"])
def utf8_log(request: pytest.FixtureRequest) -> Iterator[tuple[str, io.BytesIO]]:
    """A masking handler writing strict UTF-8 bytes, as stderr to a file or the journal does."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter(request.param == "json"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield request.param, raw
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def records(fmt: str, raw: io.BytesIO) -> list[str]:
    """The lines written; each must decode as UTF-8 and, in JSON, parse as one object."""
    lines = raw.getvalue().decode("utf-8").split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    if fmt == "json":
        for line in lines:
            assert isinstance(json.loads(line), dict)
    return lines


def starts_a_record(line: str) -> bool:
    """Whether a text line begins the way the text format begins a record: with a date."""
    return line[:4].isdigit() and line[4:5] == "-"


@pytest.mark.parametrize("name", sorted(NASTY))
def test_a_message_stays_one_line_whatever_it_holds(
    utf8_log: tuple[str, io.BytesIO], name: str
) -> None:
    fmt, raw = utf8_log
    char = NASTY[name]
    logging.getLogger("hub.test.forge").warning("user said %s", f"hi{char}{FORGED}")
    (line,) = records(fmt, raw)
    assert char not in line
    assert FORGED in line  # still there for the reader, inside the one record
    if fmt == "json":  # escaped in the line, the exact text once decoded
        assert json.loads(line)["message"] == f"user said hi{char}{FORGED}"


def test_a_traceback_cannot_start_a_record_line(utf8_log: tuple[str, io.BytesIO]) -> None:
    fmt, raw = utf8_log
    try:
        raise ValueError(f"bad input\n{FORGED}\r\n{FORGED}\u2028x")
    except ValueError:
        logging.getLogger("hub.test.forge").exception("while handling %s", "x\ny")
    lines = records(fmt, raw)
    if fmt == "json":
        assert len(lines) == 1 and "ValueError" in json.loads(lines[0])["exc"]
        return
    head, *rest = lines
    assert starts_a_record(head) and "while handling x\\ny" in head
    assert rest and all(line.startswith(CONTINUATION) for line in rest)
    assert any("ValueError: bad input" in line for line in rest)
    assert sum(starts_a_record(line) for line in lines) == 1


async def test_a_request_path_cannot_forge_a_line(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    """The review's request: a decoded %0A in a path reaches hub's own error line."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(MaskingFormatter(False))
    logging.getLogger().addHandler(handler)
    app = create_app(make_settings())

    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app.router.add_get("/t/boom/{tail}", boom)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        resp = await client.get(FORGED_PATH)
        assert resp.status == 500
    finally:
        await client.close()
        logging.getLogger().removeHandler(handler)
    lines = buffer.getvalue().splitlines()
    error = [line for line in lines if "unhandled error on GET" in line]
    assert len(error) == 1 and FORGED in error[0] and "x\\n2026-01-01" in error[0]
    assert not any(line.startswith("2026-01-01 00:00:00,000") for line in lines)
    assert not any(FORGED in line and "unhandled" not in line for line in lines)
