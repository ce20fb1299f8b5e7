"""Static files: gzip when asked, and a 304 never carries a body on a kept-alive connection."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hub.settings import Settings
from tests.conftest import AppClient


async def _exchange(port: int, requests: list[str]) -> bytes:
    """Send several requests on one connection and read everything that comes back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write("".join(requests).encode())
        await writer.drain()
        chunks = []
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), 2)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        writer.close()


async def test_a_304_for_a_static_file_has_no_body_and_the_next_answer_is_whole(
    hub_client: AppClient, make_settings: Callable[..., Settings]
) -> None:
    client = await hub_client(make_settings())
    path = "/static/js/common.js"
    first = await client.get(path, headers={"Accept-Encoding": "gzip"})
    assert first.status == 200 and first.headers.get("Content-Encoding") == "gzip"
    etag = first.headers["ETag"]
    port = client.port
    assert port is not None
    head = "Host: 127.0.0.1\r\nAccept-Encoding: gzip\r\n"
    raw = await _exchange(
        port,
        [
            f"GET {path} HTTP/1.1\r\n{head}If-None-Match: {etag}\r\n\r\n",
            f"GET /healthz HTTP/1.1\r\n{head}Connection: close\r\n\r\n",
        ],
    )
    not_modified, _, rest = raw.partition(b"\r\n\r\n")
    assert not_modified.startswith(b"HTTP/1.1 304")
    # The next bytes on the connection are the next answer's status line, not a gzip stream.
    assert rest.startswith(b"HTTP/1.1 200"), rest[:40]
