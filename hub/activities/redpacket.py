"""Red packets: a sum split beforehand into random shares, each claimed by one attendee once.

In code the kind is `redpacket` throughout; the SQL tables keep `red_packet` (see
hub/storage/redpackets.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.activities.cells import iso, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Outcome, Rows
from hub.clock import iso_ts
from hub.errors import Gone, conflict, not_found
from hub.meetings.redpacket_split import MAX_COUNT, MAX_TOTAL_CENTS, split_cents
from hub.storage import redpackets
from hub.storage.database import Executor
from hub.storage.meetings import Meeting
from hub.storage.redpackets import Claim, Redpacket
from hub.storage.users import User, get_users
from hub.validate import int_field


@dataclass(frozen=True)
class NewRedpacket:
    """A valid red packet to create."""

    total_cents: int
    count: int


def new_redpacket(body: Json) -> NewRedpacket:
    """`{"total_cents", "count"}`: count 1..1000, total_cents count..20,000,000."""
    count = int_field(body, "count", lo=1, hi=MAX_COUNT)
    total = int_field(body, "total_cents", lo=count, hi=MAX_TOTAL_CENTS)
    return NewRedpacket(total, count)


def _user(users: dict[int, User], user_id: int) -> Json:
    user = users.get(user_id)
    if user is None:  # pragma: no cover - users are never deleted
        return {"id": user_id, "userid": "", "name": "", "avatar": ""}
    return user.as_json()


def claim_json(claim: Claim) -> Json:
    """What a claim answers: the share's cents and index."""
    return {"cents": claim.cents, "index": claim.index}


def _mine(redpacket: Redpacket, viewer_id: int | None) -> Json:
    claim = next((c for c in redpacket.claims if c.user_id == viewer_id), None)
    return {"my_claim": claim_json(claim) if claim else None}


def redpacket_json(redpacket: Redpacket, users: dict[int, User], viewer_id: int | None) -> Json:
    """The red packet payload; `my_claim` is None in broadcasts and for a viewer who has none."""
    return {
        "id": redpacket.id,
        "total_cents": redpacket.total_cents,
        "count": redpacket.count,
        "claimed_count": redpacket.claimed_count,
        "claimed_cents": redpacket.claimed_cents,
        "status": "empty" if redpacket.empty else "open",
        "claims": [
            {
                "user": _user(users, c.user_id),
                "cents": c.cents,
                "index": c.index,
                "claimed_at": iso_ts(c.claimed_at),
            }
            for c in redpacket.claims
        ],
        **_mine(redpacket, viewer_id),
        "created_at": iso_ts(redpacket.created_at),
        "version": redpacket.version,
    }


async def create(ctx: ActionContext, spec: NewRedpacket) -> int:
    """Split the sum into shares now and store the red packet with them."""
    shares = split_cents(spec.total_cents, spec.count)
    return await redpackets.create_redpacket(ctx.db, ctx.meeting.id, shares, ctx.now)


async def payload(ex: Executor, redpacket: Redpacket, meeting: Meeting) -> Json:
    """The red packet with who claimed what (the broadcast form)."""
    del meeting
    users = await get_users(ex, [c.user_id for c in redpacket.claims])
    return redpacket_json(redpacket, users, None)


async def mine(ex: Executor, redpacket: Redpacket, viewer_id: int) -> Json:
    """This viewer's share, from the claims already read."""
    del ex
    return _mine(redpacket, viewer_id)


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's red packets with this viewer's share."""
    found = await redpackets.list_redpackets(ex, meeting_id)
    users = await get_users(ex, {c.user_id for r in found for c in r.claims})
    return [redpacket_json(r, users, viewer_id) for r in found]


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per share, claimed or not."""
    header = ["packet_id", "total_cents", "count", "index", "cents", "yuan"]
    rows: Rows = [[*header, "userid", "name", "claimed_at"]]
    found = {r.id: r for r in await redpackets.list_redpackets(ex, meeting_id)}
    shares = await redpackets.share_rows(ex, meeting_id)
    users = await users_of(ex, (s["user_id"] for s in shares))
    for s in shares:
        redpacket = found[int(s["packet_id"])]
        cents = int(s["cents"])
        uid = None if s["user_id"] is None else int(s["user_id"])
        base = [redpacket.id, redpacket.total_cents, redpacket.count, int(s["idx"]), cents]
        yuan = f"{cents // 100}.{cents % 100:02d}"
        rows.append([*base, yuan, *who(users, uid), iso(s["claimed_at"])])
    return rows


def returned(data: Json) -> Json | None:
    """What the meeting's end reports of a red packet: its unclaimed shares go back."""
    shares = int(data["count"]) - int(data["claimed_count"])
    if shares <= 0:
        return None
    cents = int(data["total_cents"]) - int(data["claimed_cents"])
    return {"returned_shares": shares, "returned_cents": cents}


REDPACKET = ActivityKind(
    name="redpacket",
    plural="redpackets",
    label="red packet",
    parse=new_redpacket,
    create=create,
    load=redpackets.get_redpacket,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={"total_cents": 100, "count": 1},
    end_report=returned,
    # Nobody claimed a share: none was paid out, so the whole sum goes back with it.
    remove=redpackets.delete_unclaimed_redpacket,
)


@REDPACKET.action("claim", event="claimed")
async def claim_share(ctx: ActionContext, redpacket: Redpacket) -> Outcome:
    """Take one share -> `{"cents", "index"}`; 409 already_claimed, 410 empty, 404 when the
    organizer deleted it as the claim came in (as for a claim after the delete)."""
    try:
        taken = await redpackets.claim_share(ctx.db, redpacket.id, ctx.user.id, ctx.now)
    except redpackets.AlreadyClaimed:
        raise conflict(
            "you already claimed a share of this red packet", "already_claimed"
        ) from None
    except redpackets.RedpacketEmpty:
        raise Gone("empty", "every share of this red packet is taken") from None
    except redpackets.RedpacketGone:
        raise not_found(REDPACKET.label) from None
    return Outcome(answer=claim_json(taken))
