"""Chat: validating a client's chat frame, storing it under the next seq, publishing it."""

from __future__ import annotations

import uuid
from typing import Any

from hub.clock import iso_ts
from hub.events import Envelope, EventBus
from hub.storage.chat import ChatMessage, add_message
from hub.storage.database import Database, Executor
from hub.storage.users import get_users

MAX_TEXT = 2000
MAX_CLIENT_ID = 64


class FrameError(Exception):
    """A client frame we refuse: answered with an error frame, never a traceback."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_frame(code: str, message: str) -> dict[str, Any]:
    """The `error` frame."""
    return {"type": "error", "code": code, "message": message}


def parse_chat(frame: dict[str, Any]) -> tuple[str, str]:
    """The text and client_id of a chat frame (a missing client_id gets a fresh one)."""
    text = frame.get("text")
    if not isinstance(text, str) or not text.strip():
        raise FrameError("bad_text", "text must be a non-empty string")
    if len(text) > MAX_TEXT:
        raise FrameError("bad_text", f"text must be at most {MAX_TEXT} characters")
    client_id = frame.get("client_id")
    if client_id is None:
        return text, uuid.uuid4().hex
    if (
        not isinstance(client_id, str)
        or not 1 <= len(client_id) <= MAX_CLIENT_ID
        or not client_id.isprintable()
    ):
        raise FrameError("bad_client_id", f"client_id must be 1 to {MAX_CLIENT_ID} characters")
    return text, client_id


def unknown_user(user_id: int) -> dict[str, Any]:
    """A stand-in for a sender whose account is gone."""
    return {"id": user_id, "userid": "", "name": "?", "avatar": ""}


def message_json(message: ChatMessage, user: dict[str, Any]) -> dict[str, Any]:
    """The public message payload: `{"seq", "user", "text", "ts", "client_id"}`; a message the
    organizer deleted keeps its seq (resumes count on them) with no text and `"deleted": true`."""
    data = {
        "seq": message.seq,
        "user": user,
        "text": message.text,
        "ts": iso_ts(message.created_at),
        "client_id": message.client_id,
    }
    if message.deleted_at is not None:
        data.update(text="", deleted=True)
    return data


def chat_frame(message: ChatMessage, user: dict[str, Any]) -> dict[str, Any]:
    """The `chat` frame."""
    return {"type": "chat", **message_json(message, user)}


def chat_envelope(message: ChatMessage, user: dict[str, Any]) -> Envelope:
    """The chat frame serialized, with its seq on the envelope (resume dedupe reads it there)."""
    return Envelope.of(chat_frame(message, user), meeting=message.meeting_id, seq=message.seq)


async def messages_json(ex: Executor, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Messages with their senders, loaded in one query."""
    users = await get_users(ex, {m.user_id for m in messages})
    out = []
    for m in messages:
        user = users.get(m.user_id)
        out.append(message_json(m, user.as_json() if user else unknown_user(m.user_id)))
    return out


async def send_chat(
    db: Database,
    events: EventBus,
    meeting_id: int,
    user: dict[str, Any],
    text: str,
    client_id: str,
    now: float,
) -> tuple[dict[str, Any], bool]:
    """Store and publish a message; a resent client_id returns the stored one, unpublished.

    When the broker is down the bus queues the frame and resends it once the broker is back;
    resuming clients read the message from history meanwhile.
    """
    message, created = await add_message(db, meeting_id, int(user["id"]), client_id, text, now)
    frame = chat_frame(message, user)
    if created:
        await events.meeting(meeting_id, frame, seq=message.seq)
    return frame, created
