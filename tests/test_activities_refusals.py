"""Every activity route refuses with 4xx JSON: anonymous, outsiders, non-organizers, other
meetings' activities, unknown ids, closed activities, malformed bodies and ended meetings."""

from __future__ import annotations

from typing import Any

from hub.simulator import RunningSimulator
from tests.fixtures_activities import attendees, error_code, ok, room
from tests.helpers_auth import new_browser, sim_settings

BAD_POLLS: list[Any] = [
    None,
    [],
    {"options": ["a", "b"]},
    {"question": "", "options": ["a", "b"]},
    {"question": "q", "options": ["a"]},
    {"question": "q", "options": [str(i) for i in range(21)]},
    {"question": "q", "options": ["a", "a"]},
    {"question": "q", "options": ["a", 2]},
    {"question": "q", "options": ["a", " "]},
    {"question": "q", "options": "ab"},
    {"question": "q", "options": ["a", "b"], "multi": "yes"},
    {"question": "q" * 201, "options": ["a", "b"]},
]
BAD_LOTTERIES: list[Any] = [
    {},
    {"title": "t", "winners": 0},
    {"title": "t", "winners": 1.5},
    {"title": "t", "winners": True},
    {"title": "t", "exclude_previous_winners": 1},
]
BAD_RATINGS: list[Any] = [{}, {"subject": "s", "max": 1}, {"subject": "s", "max": 11}]
BAD_PACKETS: list[Any] = [
    {},
    {"total_cents": 100},
    {"total_cents": 100, "count": 0},
    {"total_cents": 100, "count": 1001},
    {"total_cents": 5, "count": 6},
    {"total_cents": 20_000_001, "count": 10},
    {"total_cents": "100", "count": 1},
    {"total_cents": 100.0, "count": 1},
]


async def _create_all(client: Any, number: str) -> dict[str, Any]:
    """One activity of each kind in the meeting; returns their ids by kind."""
    base = f"/api/meetings/{number}"
    poll = await ok(
        await client.post(f"{base}/polls", json={"question": "q", "options": ["a", "b"]}), 201
    )
    # The organizer may win: a lottery nobody could win is refused when created (issue 16).
    lottery = {"title": "t", "include_organizer": True}
    lot = await ok(await client.post(f"{base}/lotteries", json=lottery), 201)
    rating = await ok(await client.post(f"{base}/ratings", json={"subject": "s"}), 201)
    packet = await ok(
        await client.post(f"{base}/redpackets", json={"total_cents": 9, "count": 3}), 201
    )
    return {"poll": poll, "lottery": lot, "rating": rating, "redpacket": packet}


def _actions(acts: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every activity route with a valid body: (path, body)."""
    poll, lot, rating, packet = acts["poll"], acts["lottery"], acts["rating"], acts["redpacket"]
    return [
        (f"/api/polls/{poll['id']}/vote", {"option_ids": [poll["options"][0]["id"]]}),
        (f"/api/polls/{poll['id']}/close", None),
        (f"/api/lotteries/{lot['id']}/draw", None),
        (f"/api/ratings/{rating['id']}/score", {"score": 3}),
        (f"/api/ratings/{rating['id']}/close", None),
        (f"/api/redpackets/{packet['id']}/claim", None),
    ]


def _creates(number: str) -> list[tuple[str, Any]]:
    base = f"/api/meetings/{number}"
    return [
        (f"{base}/polls", {"question": "q", "options": ["a", "b"]}),
        (f"{base}/lotteries", {"title": "t"}),
        (f"{base}/ratings", {"subject": "s"}),
        (f"{base}/redpackets", {"total_cents": 10, "count": 2}),
    ]


async def test_who_may_do_what(sim: RunningSimulator, make_settings: Any, hub_client: Any) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r:
        (member,) = r.attendees
        acts = await _create_all(client, r.number)
        async with (
            new_browser(client) as anon,
            attendees(client, sim.url, None, ["outsider", "borg"]) as (outsider, borg),
        ):
            for path, body in [*_creates(r.number), *_actions(acts)]:
                assert await error_code(await anon.post(path, json=body), 401) == "unauthorized"
                # By number an outsider gets the answer of a free number (F2); by activity id,
                # which names no number, 403.
                status, code = (
                    (404, "not_found") if path.startswith("/api/meetings/") else (403, "forbidden")
                )
                assert await error_code(await outsider.post(path, json=body), status) == code
            for path, kind in (
                ("/api/polls/{}", "poll"),
                ("/api/lotteries/{}", "lottery"),
                ("/api/ratings/{}", "rating"),
                ("/api/redpackets/{}", "redpacket"),
            ):
                some = acts[kind]
                await ok(await member.get(path.format(some["id"])))
                assert await error_code(await outsider.get(path.format(some["id"])), 403)
                assert await error_code(await member.get(path.format(999999)), 404)
                assert await error_code(await member.get(path.format("x1")), 404)
            # Organizer-only routes refuse an attendee.
            for path, body in _creates(r.number):
                assert await error_code(await member.post(path, json=body), 403) == "forbidden"
            for path, body in _actions(acts):
                if path.endswith(("/close", "/draw")):
                    assert await error_code(await member.post(path, json=body), 403)
            # Unknown ids and numbers are 404; ids are global, so another meeting's
            # activity is refused to whoever does not attend that meeting.
            for path, body in _actions(acts):
                unknown = path.replace(f"/{path.split('/')[3]}/", "/987654/")
                assert await error_code(await member.post(unknown, json=body), 404) == "not_found"
            assert await error_code(await client.post("/api/meetings/1234/polls", json={}), 404)
            other = await open_meeting_as(borg, sim.url)
            theirs = await _create_all(borg, other)
            for path, body in _actions(theirs):
                assert await error_code(await member.post(path, json=body), 403) == "forbidden"
                assert await error_code(await client.post(path, json=body), 403) == "forbidden"
            # Export: organizer only, a known kind only.
            export = f"/api/meetings/{r.number}/export.csv"
            assert await error_code(await member.get(export, params={"kind": "polls"}), 403)
            assert await error_code(await anon.get(export, params={"kind": "polls"}), 401)
            assert await error_code(await client.get(export, params={"kind": "votes"}), 400)
            assert await error_code(await client.get(export), 400)


async def open_meeting_as(browser: Any, sim_url: str) -> str:
    """A meeting opened by an already signed-in browser."""
    del sim_url
    body = await ok(await browser.post("/api/meetings", json={"title": "other"}), 201)
    number: str = body["number"]
    return number


async def test_malformed_bodies_are_400(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r:
        (member,) = r.attendees
        base = f"/api/meetings/{r.number}"
        for path, bodies in (
            ("polls", BAD_POLLS),
            ("lotteries", BAD_LOTTERIES),
            ("ratings", BAD_RATINGS),
            ("redpackets", BAD_PACKETS),
        ):
            for body in bodies:
                assert await error_code(await client.post(f"{base}/{path}", json=body), 400), body
        resp = await client.post(
            f"{base}/polls", data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert await error_code(resp, 400) == "bad_json"
        acts = await _create_all(client, r.number)
        multi = {"question": "m", "options": ["a", "b", "c"], "multi": True}
        mpoll = await ok(await client.post(f"{base}/polls", json=multi), 201)
        poll, rating = acts["poll"], acts["rating"]
        vote = f"/api/polls/{poll['id']}/vote"
        own = [o["id"] for o in poll["options"]]
        foreign = mpoll["options"][0]["id"]
        for body in (
            {},
            {"option_ids": []},
            {"option_ids": own},  # single choice takes one
            {"option_ids": [foreign]},
            {"option_ids": ["1"]},
            {"option_ids": [True]},
            {"option_ids": own[0]},
        ):
            assert await error_code(await member.post(vote, json=body), 400), body
        mvote = f"/api/polls/{mpoll['id']}/vote"
        mids = [o["id"] for o in mpoll["options"]]
        for body in ({"option_ids": [mids[0], mids[0]]}, {"option_ids": [mids[0], own[0]]}):
            assert await error_code(await member.post(mvote, json=body), 400), body
        score = f"/api/ratings/{rating['id']}/score"
        for body in ({}, {"score": 0}, {"score": 6}, {"score": "5"}, {"score": 2.5}):
            assert await error_code(await member.post(score, json=body), 400), body
        # Nothing malformed was counted.
        assert (await ok(await member.get(f"/api/polls/{poll['id']}")))["total_votes"] == 0
        assert (await ok(await member.get(f"/api/ratings/{rating['id']}")))["count"] == 0


async def test_closed_activities_and_ended_meetings_are_409(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 2) as r:
        a0, _ = r.attendees
        acts = await _create_all(client, r.number)
        poll, rating = acts["poll"], acts["rating"]
        await ok(await client.post(f"/api/polls/{poll['id']}/close"))
        await ok(await client.post(f"/api/ratings/{rating['id']}/close"))
        for path in (f"/api/polls/{poll['id']}/close", f"/api/ratings/{rating['id']}/close"):
            assert await error_code(await client.post(path), 409) == "closed"
        vote = {"option_ids": [poll["options"][0]["id"]]}
        assert (
            await error_code(await a0.post(f"/api/polls/{poll['id']}/vote", json=vote), 409)
            == "closed"
        )
        score = f"/api/ratings/{rating['id']}/score"
        assert await error_code(await a0.post(score, json={"score": 1}), 409) == "closed"

        await ok(await client.post(f"/api/meetings/{r.number}/end"))
        for path, body in [*_creates(r.number), *_actions(acts)]:
            browser = client if path.endswith(("/close", "/draw")) or "/meetings/" in path else a0
            assert await error_code(await browser.post(path, json=body), 409) == "meeting_ended"
        # An ended meeting's results stay readable by its attendees, and exportable.
        details = await ok(await a0.get(f"/api/meetings/{r.number}"))
        assert details["activities"]["polls"][0]["status"] == "closed"
        resp = await client.get(f"/api/meetings/{r.number}/export.csv", params={"kind": "polls"})
        assert resp.status == 200
