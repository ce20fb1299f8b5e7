"""Activities over HTTP: each kind end to end as attendees see it, and GET /api/meetings/{n}."""

from __future__ import annotations

from typing import Any

from hub.activities.rating import average
from hub.simulator import RunningSimulator
from tests.fixtures_activities import error_code, ok, room
from tests.helpers_auth import sim_settings


async def test_poll_single_and_multi_choice(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 3) as r:
        a0, a1, a2 = r.attendees
        body = {"question": " 午饭吃什么? ", "options": ["面", "饭", "饺子"]}
        poll = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=body), 201)
        assert poll["question"] == "午饭吃什么?" and poll["status"] == "open"
        assert poll["multi"] is False and poll["hide_results"] is False
        assert [o["label"] for o in poll["options"]] == ["面", "饭", "饺子"]
        assert [o["votes"] for o in poll["options"]] == [0, 0, 0]
        assert poll["total_votes"] == 0 and poll["my_vote"] == []
        noodles, rice, _ = (o["id"] for o in poll["options"])
        url = f"/api/polls/{poll['id']}/vote"

        voted = await ok(await a0.post(url, json={"option_ids": [rice]}))
        assert voted["my_vote"] == [rice] and voted["total_votes"] == 1
        assert [o["votes"] for o in voted["options"]] == [0, 1, 0]
        assert await error_code(await a0.post(url, json={"option_ids": [noodles]}), 409) == (
            "already_voted"
        )
        # Single choice takes exactly one option.
        assert await error_code(await a1.post(url, json={"option_ids": [noodles, rice]}), 400)
        await ok(await a1.post(url, json={"option_ids": [rice]}))
        closed = await ok(await client.post(f"/api/polls/{poll['id']}/close"))
        assert closed["status"] == "closed" and closed["closed_at"]
        assert await error_code(await a2.post(url, json={"option_ids": [rice]}), 409) == "closed"

        multi = {"question": "Which days?", "options": ["Mon", "Tue", "Wed"], "multi": True}
        poll2 = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=multi), 201)
        ids = [o["id"] for o in poll2["options"]]
        url2 = f"/api/polls/{poll2['id']}/vote"
        both = await ok(await a0.post(url2, json={"option_ids": [ids[2], ids[0]]}))
        assert both["my_vote"] == [ids[0], ids[2]]
        assert [o["votes"] for o in both["options"]] == [1, 0, 1]
        assert both["total_votes"] == 1  # ballots, not choices
        assert await error_code(await a1.post(url2, json={"option_ids": [ids[0], ids[0]]}), 400)

        details = await ok(await a0.get(f"/api/meetings/{r.number}"))
        polls = details["activities"]["polls"]
        assert [p["id"] for p in polls] == [poll["id"], poll2["id"]]
        assert polls[0]["my_vote"] == [rice] and polls[1]["my_vote"] == [ids[0], ids[2]]
        assert [o["votes"] for o in polls[0]["options"]] == [0, 2, 0]
        other = await ok(await a2.get(f"/api/meetings/{r.number}"))
        assert other["activities"]["polls"][0]["my_vote"] == []


async def test_hidden_results_show_after_close(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 2) as r:
        body = {"question": "Secret?", "options": ["yes", "no"], "hide_results": True}
        poll = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=body), 201)
        yes = poll["options"][0]["id"]
        for browser in r.attendees:
            voted = await ok(
                await browser.post(f"/api/polls/{poll['id']}/vote", json={"option_ids": [yes]})
            )
            assert [o["votes"] for o in voted["options"]] == [None, None]
        # Hidden from attendees while open; the organizer always sees them (issue 16); the
        # number of ballots shows.
        seen = await ok(await r.attendees[0].get(f"/api/polls/{poll['id']}"))
        assert [o["votes"] for o in seen["options"]] == [None, None]
        assert seen["total_votes"] == 2
        own = await ok(await client.get(f"/api/polls/{poll['id']}"))
        assert [o["votes"] for o in own["options"]] == [2, 0]
        closed = await ok(await client.post(f"/api/polls/{poll['id']}/close"))
        assert [o["votes"] for o in closed["options"]] == [2, 0]


async def test_lottery_draws_once_among_attendees(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 5) as r:
        names = {f"a{i}" for i in range(5)}
        create = {"title": "一等奖", "winners": 2}
        lot = await ok(await client.post(f"/api/meetings/{r.number}/lotteries", json=create), 201)
        assert lot["status"] == "open" and lot["winners"] == [] and lot["eligible_count"] == 5
        assert lot["exclude_previous_winners"] is True and lot["drawn_at"] is None
        drawn = await ok(await client.post(f"/api/lotteries/{lot['id']}/draw"))
        assert drawn["status"] == "drawn" and drawn["drawn_at"] and drawn["eligible_count"] == 5
        first = [w["userid"] for w in drawn["winners"]]
        assert len(set(first)) == 2 and set(first) <= names  # never the organizer
        again = await ok(await client.post(f"/api/lotteries/{lot['id']}/draw"))
        assert [w["userid"] for w in again["winners"]] == first

        # Previous winners are out: 3 left, so a 4-winner lottery cannot be drawn, and is
        # refused when it is created, with the reason (issue 16)...
        big = await client.post(
            f"/api/meetings/{r.number}/lotteries", json={"title": "x", "winners": 4}
        )
        assert await error_code(big, 409) == "not_enough_attendees"
        # ...and a 3-winner one takes exactly the others.
        rest = await ok(
            await client.post(
                f"/api/meetings/{r.number}/lotteries", json={"title": "y", "winners": 3}
            ),
            201,
        )
        drawn = await ok(await client.post(f"/api/lotteries/{rest['id']}/draw"))
        assert {w["userid"] for w in drawn["winners"]} == names - set(first)
        # Everyone may win again when asked, the organizer too when included.
        open_ = {
            "title": "z",
            "winners": 6,
            "exclude_previous_winners": False,
            "include_organizer": True,
        }
        everyone = await ok(
            await client.post(f"/api/meetings/{r.number}/lotteries", json=open_), 201
        )
        drawn = await ok(await client.post(f"/api/lotteries/{everyone['id']}/draw"))
        assert {w["userid"] for w in drawn["winners"]} == names | {"org"}


async def test_rating_scores_change_until_close(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 3) as r:
        a0, a1, a2 = r.attendees
        rating = await ok(
            await client.post(
                f"/api/meetings/{r.number}/ratings", json={"subject": "讲得如何", "max": 5}
            ),
            201,
        )
        assert rating["count"] == 0 and rating["average"] is None and rating["my_score"] is None
        assert rating["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}
        url = f"/api/ratings/{rating['id']}/score"
        await ok(await a0.post(url, json={"score": 5}))
        await ok(await a1.post(url, json={"score": 4}))
        mine = await ok(await a2.post(url, json={"score": 1}))
        assert mine["my_score"] == 1 and mine["count"] == 3 and mine["average"] == 3.33
        changed = await ok(await a2.post(url, json={"score": 2}))
        assert changed["count"] == 3 and changed["average"] == 3.67
        assert changed["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
        assert await error_code(await a0.post(url, json={"score": 6}), 400)
        assert await error_code(await a0.post(url, json={"score": 0}), 400)
        closed = await ok(await client.post(f"/api/ratings/{rating['id']}/close"))
        assert closed["status"] == "closed"
        assert await error_code(await a0.post(url, json={"score": 3}), 409) == "closed"
        assert await error_code(await client.post(f"/api/ratings/{rating['id']}/close"), 409)


async def test_red_packet_claims(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 3) as r:
        a0, a1, a2 = r.attendees
        body = {"total_cents": 1000, "count": 2}
        packet = await ok(await client.post(f"/api/meetings/{r.number}/redpackets", json=body), 201)
        assert (
            packet["status"] == "open" and packet["claimed_count"] == 0 and packet["claims"] == []
        )
        url = f"/api/redpackets/{packet['id']}/claim"
        first = await ok(await a0.post(url))
        assert set(first) == {"cents", "index"} and 1 <= first["cents"] <= 999
        assert await error_code(await a0.post(url), 409) == "already_claimed"
        second = await ok(await a1.post(url))
        assert first["cents"] + second["cents"] == 1000
        assert {first["index"], second["index"]} == {0, 1}
        assert await error_code(await a2.post(url), 410) == "empty"
        assert await error_code(await a0.post(url), 409) == "already_claimed"
        seen = await ok(await a1.get(f"/api/redpackets/{packet['id']}"))
        assert seen["status"] == "empty" and seen["claimed_cents"] == 1000
        assert seen["my_claim"] == second
        assert [c["user"]["userid"] for c in seen["claims"]] == ["a0", "a1"]
        details = await ok(await a2.get(f"/api/meetings/{r.number}"))
        assert details["activities"]["redpackets"][0]["my_claim"] is None


def test_rating_average_is_exact_and_rounds_half_up() -> None:
    # 5.475 as a float is 5.47499...; from integer sums it is exactly 5.475, shown as 5.48.
    assert average(((5, 119), (6, 81))) == 5.41  # 1081 / 200 = 5.405
    assert average(((5, 105), (6, 95))) == 5.48  # 1095 / 200 = 5.475
    assert average(((1, 2), (2, 1))) == 1.33
    assert average(((1, 0), (2, 0))) is None
