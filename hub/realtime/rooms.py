"""Meeting rooms of local websocket clients, fed by the broker through the event bus.

Every frame reaches a room through the broker channel of its meeting, already serialized in an
envelope (hub.events): the broker handler writes that one string to each local client in a plain
loop. A client whose transport buffer passes `buffer_limit` is dropped (1013) instead of being
awaited, so one slow reader never stalls the room. A frame whose envelope says it closes the
room (the meeting ended) is delivered, then every client is closed with MEETING_ENDED (4409).
One user holds at most `sockets_per_user` sockets in a room on this process: a newer socket
closes that user's oldest with TOO_MANY_SOCKETS (4429), so a new tab works and a script that
opens hundreds holds only a few.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from hub.cache import Cache, Subscription
from hub.events import Envelope, dumps, meeting_channel
from hub.realtime.chat import chat_envelope, messages_json
from hub.realtime.limits import TokenBucket, UserChatLimit
from hub.realtime.presence import Presence, presence_frame
from hub.storage import Database
from hub.storage.chat import messages_after
from hub.storage.users import User

log = logging.getLogger(__name__)

BUFFER_LIMIT = 256 * 1024
PENDING_LIMIT = 10_000
CLOSE_GRACE = 5.0
SEEN_MAX = 4096
# The close code of every socket of a meeting that ended; clients do not reconnect on 4xxx.
MEETING_ENDED = 4409
# The close code of a user's oldest socket in a meeting when they open one too many.
TOO_MANY_SOCKETS = 4429
SOCKETS_PER_USER = 5
# From this many local sockets, a new socket starts from the room's last presence frame.
REUSE_PRESENCE_AT = 200


class Client:
    """One websocket connection in a room; small on purpose (there may be many thousands)."""

    __slots__ = (
        "alive",
        "bucket",
        "dropped",
        "floor",
        "meeting_id",
        "older",
        "pending",
        "transport",
        "user",
        "ws",
    )

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        meeting_id: int,
        user: User,
        *,
        swept: bool = False,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.meeting_id = meeting_id
        self.user = user
        # Live chat frames with seq <= floor were already sent from history (resume dedupe).
        self.floor = 0
        # Until history is sent, live frames wait here instead of going out.
        self.pending: list[Envelope] | None = []
        self.dropped = False
        # The frame rate limit, made at the client's first frame: most sockets only listen.
        self.bucket: TokenBucket | None = None
        # For a socket the hub's heartbeat sweeps (`RealtimeHub.heartbeat`): whether anything
        # came from it since the last ping. None: the socket keeps aiohttp's own heartbeat.
        self.alive: bool | None = True if swept else None
        # The same user's previous socket in the room (Room.newest): most users have one.
        self.older: Client | None = None

    @property
    def user_id(self) -> int:
        """The id of the user this socket belongs to."""
        return self.user.id


class Room:
    """The local clients of one meeting and this process's broker subscription for it."""

    def __init__(self, meeting_id: int) -> None:
        self.meeting_id = meeting_id
        # Each user's newest socket here; the others follow through `Client.older`. This is the
        # room's one index of its clients: the per-user cap needs no scan, and a socket costs
        # one dict slot per user, not one per socket plus a list per user.
        self.newest: dict[int, Client] = {}
        self.size = 0
        # `snapshot`, rebuilt when next needed after a join or leave.
        self._snapshot: tuple[Client, ...] | None = ()
        self.subscription: Subscription | None = None
        self.ready: asyncio.Task[None] | None = None
        # The highest chat seq the broker brought here: where a catch-up after a broker
        # reconnect starts.
        self.max_seq = 0
        # The last presence frame the room received, as sent.
        self.presence_text: str | None = None
        self._seen: set[int] = set()
        self._seen_order: collections.deque[int] = collections.deque()

    @property
    def snapshot(self) -> tuple[Client, ...]:
        """The clients as a tuple a broadcast iterates without copying. Rebuilt on first use after
        a change, so a join storm of thousands costs a copy per broadcast, not one per join."""
        if self._snapshot is None:
            self._snapshot = tuple(_chained(self.newest.values()))
        return self._snapshot

    def first_delivery(self, seq: int) -> bool:
        """True the first time this chat seq reaches the room (remembers the last few)."""
        if seq in self._seen:
            return False
        self._seen.add(seq)
        self._seen_order.append(seq)
        if len(self._seen_order) > SEEN_MAX:
            self._seen.discard(self._seen_order.popleft())
        return True

    def add(self, client: Client) -> list[Client]:
        """Put a client in the room; returns all of its user's sockets here, oldest first."""
        self._snapshot = None
        self.size += 1
        client.older = self.newest.get(client.user_id)
        self.newest[client.user_id] = client
        mine = list(_chained((client,)))
        mine.reverse()
        return mine

    def discard(self, client: Client) -> None:
        """Take a client out (no-op when absent)."""
        user_id = client.user_id
        newer, other = None, self.newest.get(user_id)
        while other is not None and other is not client:
            newer, other = other, other.older
        if other is None:
            return
        self._snapshot = None
        self.size -= 1
        if newer is not None:
            newer.older = client.older
        elif client.older is not None:
            self.newest[user_id] = client.older
        else:
            del self.newest[user_id]
        client.older = None


def _chained(newest: Iterable[Client]) -> Iterator[Client]:
    """Each of these clients, then the older sockets of its user, newest first."""
    for client in newest:
        other: Client | None = client
        while other is not None:
            yield other
            other = other.older


class RealtimeHub:
    """Rooms of clients per meeting on this process; see the module docstring."""

    def __init__(
        self,
        cache: Cache,
        db: Database,
        presence: Presence,
        *,
        buffer_limit: int = BUFFER_LIMIT,
        sockets_per_user: int = SOCKETS_PER_USER,
        chat_limit: UserChatLimit | None = None,
    ) -> None:
        self.cache = cache
        self.db = db
        self.presence = presence
        self.buffer_limit = buffer_limit
        self.sockets_per_user = sockets_per_user
        # Chat per user across sockets and processes (None: only the per-connection bucket).
        self.chat_limit = chat_limit
        self.rooms: dict[int, Room] = {}
        self.dropped_slow = 0
        # Frames read from and written to clients; /metrics reads these (plain ints: no lock).
        self.frames_in = 0
        self.frames_out = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    async def online_users(self, meeting_id: int) -> list[dict[str, Any]]:
        """Users online in the meeting on any process (two tabs count once)."""
        return await self.presence.online(meeting_id)

    async def presence_for_joiner(self, meeting_id: int) -> str:
        """The presence frame a new socket starts with.

        In a big room it is the last one the room received: otherwise a join storm of thousands
        reads and parses everyone online once per join. The joiner's own arrival follows in the
        next presence frame (within the debounce), as everyone else's does.
        """
        room = self.rooms.get(meeting_id)
        if room and room.presence_text is not None and room.size >= REUSE_PRESENCE_AT:
            return room.presence_text
        return dumps(presence_frame(await self.presence.online(meeting_id)))

    async def catch_up(self) -> None:
        """After a broker reconnect: deliver the chat this process may have missed meanwhile."""
        self.presence.mark_all()
        for room in list(self.rooms.values()):
            try:
                while page := await messages_after(self.db, room.meeting_id, room.max_seq, 500):
                    items = await messages_json(self.db, page)
                    for message, item in zip(page, items, strict=True):
                        await self._deliver(room, chat_envelope(message, item["user"]))
                    room.max_seq = max(room.max_seq, page[-1].seq)
            except Exception:
                log.exception("catch-up of meeting %s failed", room.meeting_id)

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any] | None:
        if self._closed:
            coro.close()  # shut down: nothing new may start that nobody would await
            return None
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def heartbeat(self) -> None:
        """Ping every swept socket; close those that sent nothing, not even a pong, since the
        last round.

        One sweep per process instead of a timer per socket (aiohttp's heartbeat): an idle socket
        then holds no timer, no scheduled callback and no copy of its request's context.
        """
        limit = self.buffer_limit
        for room in list(self.rooms.values()):
            for client in room.snapshot:
                # A socket still getting its history reads nothing yet: its pong would wait.
                if client.alive is None or client.dropped or client.pending is not None:
                    continue
                if not client.alive:
                    # A peer that is gone answers no close frame either: cut it now.
                    log.info("websocket of meeting %s: no pong, closing", client.meeting_id)
                    client.transport.abort()
                    continue
                client.alive = False
                if client.transport.get_write_buffer_size() > limit:
                    continue  # not reading at all: the next broadcast drops it as too slow
                try:
                    await client.ws.ping()
                except (ConnectionError, RuntimeError):
                    self.drop(client, WSCloseCode.GOING_AWAY, "connection lost")

    def clients(self, meeting_id: int) -> tuple[Client, ...]:
        """The local clients of a meeting."""
        room = self.rooms.get(meeting_id)
        return room.snapshot if room else ()

    def client_count(self) -> int:
        """Local clients across every room."""
        return sum(r.size for r in self.rooms.values())

    async def join(self, client: Client) -> None:
        """Add the client (still pending) and make sure this process listens to its meeting."""
        room = self.rooms.get(client.meeting_id)
        if room is None:
            room = Room(client.meeting_id)
            self.rooms[client.meeting_id] = room
            room.ready = asyncio.create_task(self._subscribe(room), name="realtime-subscribe")
        mine = room.add(client)
        for oldest in mine[: max(0, len(mine) - self.sockets_per_user)]:
            self.drop(oldest, TOO_MANY_SOCKETS, "too many sockets for this user")
        assert room.ready is not None
        try:
            # Shielded: a client giving up must not cancel the subscription others wait on.
            await asyncio.shield(room.ready)
        except BaseException:
            await self.leave(client)
            raise

    async def _subscribe(self, room: Room) -> None:
        async def deliver(wire: str) -> None:
            await self._deliver(room, Envelope.parse(wire))

        room.subscription = await self.cache.subscribe(meeting_channel(room.meeting_id), deliver)

    async def leave(self, client: Client) -> None:
        """Remove the client; the last one out unsubscribes this process from the meeting."""
        room = self.rooms.get(client.meeting_id)
        if room is None:
            return
        room.discard(client)
        if room.size or self.rooms.get(client.meeting_id) is not room:
            return
        del self.rooms[client.meeting_id]
        if room.ready is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(room.ready)
        if room.subscription is not None:
            with contextlib.suppress(Exception):
                await room.subscription.close()

    async def _deliver(self, room: Room, envelope: Envelope) -> None:
        """The broker handler of a room: one serialized frame to every local client."""
        seq = envelope.seq
        if seq:
            if not room.first_delivery(seq):
                return  # a catch-up already brought it, then the resent publish did too
            room.max_seq = max(room.max_seq, seq)
        elif envelope.type == "presence":
            room.presence_text = envelope.text
        limit = self.buffer_limit
        data = envelope.text.encode()  # encoded once, not once per client as send_str would
        sent = 0
        for client in room.snapshot:
            pending = client.pending
            if pending is not None:
                if len(pending) >= PENDING_LIMIT:
                    self.drop(client, WSCloseCode.TRY_AGAIN_LATER, "too far behind")
                else:
                    pending.append(envelope)
                continue
            if seq and seq <= client.floor:
                continue
            # Checked before writing: past the bound the client is dropped, never awaited.
            if client.transport.get_write_buffer_size() > limit:
                self.drop(client, WSCloseCode.TRY_AGAIN_LATER, "too slow")
                continue
            try:
                await client.ws.send_frame(data, WSMsgType.TEXT)
                sent += 1
            except (ConnectionError, RuntimeError):
                self.drop(client, WSCloseCode.GOING_AWAY, "connection lost")
        self.frames_out += sent
        if envelope.closes:
            for client in room.snapshot:
                self.drop(client, MEETING_ENDED, "meeting ended")

    async def go_live(self, client: Client, floor: int) -> None:
        """Send what arrived while history was read (deduped by seq), then deliver live."""
        client.floor = floor
        room = self.rooms.get(client.meeting_id)
        if room is not None:
            # What the database held when this client went live: a catch-up starts there.
            room.max_seq = max(room.max_seq, floor)
        while client.pending:
            batch, client.pending = client.pending, []
            for envelope in batch:
                if not envelope.seq or envelope.seq > floor:
                    await client.ws.send_str(envelope.text)
                    self.frames_out += 1
        # No await between the emptiness check and this line: nothing can slip in between.
        client.pending = None

    def drop(self, client: Client, code: int, reason: str) -> None:
        """Take a client out of its room now and close it in the background."""
        if client.dropped:
            return
        client.dropped = True
        room = self.rooms.get(client.meeting_id)
        if room is not None:
            room.discard(client)
        if code == WSCloseCode.TRY_AGAIN_LATER:
            self.dropped_slow += 1
            log.info("closing a slow websocket client of meeting %s", client.meeting_id)
        self._spawn(self._close(client, code, reason), "realtime-drop")

    async def _close(self, client: Client, code: int, reason: str) -> None:
        transport = client.transport
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await client.ws.close(code=code, message=reason.encode(), drain=False)
        except Exception:
            log.debug("closing a websocket failed", exc_info=True)
        finally:
            # A client that never reads would keep its unsent buffer (and socket) forever.
            asyncio.get_running_loop().call_later(CLOSE_GRACE, abort_if_stuck, transport)

    async def close_all(self, code: int = WSCloseCode.GOING_AWAY, reason: str = "") -> None:
        """Close every local client (shutdown): in parallel, bounded in time."""
        self._closed = True
        clients = [c for room in self.rooms.values() for c in room.snapshot]
        for client in clients:
            client.dropped = True
        closes = [c.ws.close(code=code, message=reason.encode()) for c in clients]
        if closes:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_GRACE):
                    await asyncio.gather(*closes, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def abort_if_stuck(transport: asyncio.Transport) -> None:
    """Abort a dropped client's transport unless it already closed by itself.

    A transport closing with an empty buffer is closed or about to be: a client that read the
    rest and answered the close made asyncio drop the connection, and aborting that transport
    would raise inside the event loop (an ERROR traceback per polite client, F12).
    """
    if transport.is_closing() and not transport.get_write_buffer_size():
        return
    transport.abort()


REALTIME = web.AppKey("realtime", RealtimeHub)
