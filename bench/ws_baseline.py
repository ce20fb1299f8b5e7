"""The bare aiohttp echo-broadcast baseline: what fan-out costs with nothing else around it.

Every text frame a client sends is wrapped into a chat-shaped frame (about the size hub sends),
serialized once and written to every connected client in a plain loop. No auth, no storage, no
broker, no limits. Run: `python -m bench.ws_baseline PORT [HEARTBEAT]` (seconds, 25 by default,
like hub's).
"""

from __future__ import annotations

import json
import sys
import time

from aiohttp import WSMsgType, web

CLIENTS = web.AppKey("clients", set[web.WebSocketResponse])
HEARTBEAT = web.AppKey("heartbeat", float)
USER = {"id": 1, "userid": "sender", "name": "sender", "avatar": "http://avatar/sender"}


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    """Echo every text frame to everyone."""
    ws = web.WebSocketResponse(heartbeat=request.app[HEARTBEAT], max_msg_size=64 * 1024)
    await ws.prepare(request)
    clients = request.app[CLIENTS]
    clients.add(ws)
    seq = 0
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(msg.data)
            except ValueError:
                continue
            seq += 1
            out = {
                "type": "chat",
                "seq": seq,
                "user": USER,
                "text": frame.get("text", ""),
                "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "client_id": frame.get("client_id", ""),
            }
            text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
            for other in list(clients):
                try:
                    await other.send_str(text)
                except ConnectionError:
                    clients.discard(other)
    finally:
        clients.discard(ws)
    return ws


def main() -> None:
    """Serve on 127.0.0.1:PORT until killed."""
    app = web.Application()
    app[CLIENTS] = set()
    app[HEARTBEAT] = float(sys.argv[2]) if len(sys.argv) > 2 else 25.0
    app.router.add_get("/ws", ws_handler)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
