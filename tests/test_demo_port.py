"""Demo mode keeps its simulator's address across restarts, so stored replay links stay valid."""

from __future__ import annotations

import socket
from collections.abc import Callable

from hub.demo import DEMO_SIMULATOR_PORT, demo_simulator
from hub.settings import Settings


async def test_a_restarted_demo_simulator_listens_where_it_did(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(simulator_port=0, demo_rooms=1)
    async with demo_simulator(settings) as (first, _):
        pass
    if first.url != f"http://127.0.0.1:{DEMO_SIMULATOR_PORT}":
        return  # a demo hub outside the tests holds the port: the fallback ran, as checked below
    async with demo_simulator(settings) as (second, _):
        pass
    assert second.url == first.url
    # And with its usual port taken it still starts, elsewhere.
    with socket.socket() as taken:
        try:
            taken.bind(("127.0.0.1", DEMO_SIMULATOR_PORT))
        except OSError:
            return  # someone else holds it already: the fallback ran above
        taken.listen()
        async with demo_simulator(settings) as (elsewhere, _):
            assert elsewhere.url != f"http://127.0.0.1:{DEMO_SIMULATOR_PORT}"
