"""200+ attendees acting at once through the HTTP API, on SQLite and MariaDB: exact totals."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hub.keys import DB
from hub.simulator import RunningSimulator
from tests.fixtures_activities import ok, room
from tests.helpers_auth import sim_settings

CROWD = 200


async def _post(browser: Any, url: str, body: Any = None) -> tuple[int, Any]:
    async with browser.post(url, json=body) as resp:
        return resp.status, await resp.json()


async def test_poll_counts_equal_ballots_and_nobody_votes_twice(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, CROWD) as r:
        single = {"question": "Q1", "options": ["a", "b", "c", "d"]}
        multi = {"question": "Q2", "options": ["w", "x", "y", "z"], "multi": True}
        p1 = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=single), 201)
        p2 = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=multi), 201)
        ids1 = [o["id"] for o in p1["options"]]
        ids2 = [o["id"] for o in p2["options"]]
        rng = random.Random(7)
        calls = []
        for browser in r.attendees:
            # Each attendee sends two different ballots to each poll at the same moment.
            for _ in range(2):
                calls.append(
                    _post(
                        browser, f"/api/polls/{p1['id']}/vote", {"option_ids": [rng.choice(ids1)]}
                    )
                )
                chosen = rng.sample(ids2, rng.randint(1, 4))
                calls.append(_post(browser, f"/api/polls/{p2['id']}/vote", {"option_ids": chosen}))
        results = await asyncio.gather(*calls)

        # Per attendee and poll: results come as (p1, p2, p1, p2) in call order.
        for i in range(CROWD):
            mine = results[4 * i : 4 * i + 4]
            for poll_results in (mine[0::2], mine[1::2]):
                statuses = sorted(status for status, _ in poll_results)
                assert statuses == [200, 409], poll_results
                refused = next(body for status, body in poll_results if status == 409)
                assert refused["error"]["code"] == "already_voted"

        db = client.app[DB]
        for poll, ids in ((p1, ids1), (p2, ids2)):
            final = await ok(await client.get(f"/api/polls/{poll['id']}"))
            ballots = await db.fetchval(
                "SELECT COUNT(*) FROM ballot WHERE poll_id = ?", (poll["id"],)
            )
            assert final["total_votes"] == int(ballots) == CROWD
            chosen_rows = await db.fetchall(
                "SELECT o.option_id, COUNT(*) AS n FROM ballot_option o"
                " JOIN ballot b ON b.id = o.ballot_id WHERE b.poll_id = ? GROUP BY o.option_id",
                (poll["id"],),
            )
            per_option = {int(row["option_id"]): int(row["n"]) for row in chosen_rows}
            assert {o["id"]: o["votes"] for o in final["options"]} == {
                oid: per_option.get(oid, 0) for oid in ids
            }
            # The successful answers told each voter what they chose: the counts add up to them.
            winners = [
                body for status, body in results if status == 200 and body["id"] == poll["id"]
            ]
            told = Counter(oid for body in winners for oid in body["my_vote"])
            assert dict(told) == {k: v for k, v in per_option.items() if v}
        assert (
            sum(
                o["votes"]
                for o in (await ok(await client.get(f"/api/polls/{p1['id']}")))["options"]
            )
            == CROWD
        )


async def test_concurrent_scores_keep_one_per_attendee(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, CROWD) as r:
        body = {"subject": "talk", "max": 10}
        rating = await ok(await client.post(f"/api/meetings/{r.number}/ratings", json=body), 201)
        url = f"/api/ratings/{rating['id']}/score"
        # Each attendee sends two different scores at the same moment: both succeed, one stays.
        sent = [(1 + i % 10, 1 + (i + 3) % 10) for i in range(CROWD)]
        calls = [
            _post(browser, url, {"score": s})
            for browser, pair in zip(r.attendees, sent, strict=True)
            for s in pair
        ]
        results = await asyncio.gather(*calls)
        assert all(status == 200 for status, _ in results)
        final = await ok(await client.get(f"/api/ratings/{rating['id']}"))
        assert final["count"] == CROWD == sum(final["distribution"].values())
        db = client.app[DB]
        rows = await db.fetchall(
            "SELECT s.score, u.userid FROM rating_score s JOIN app_user u ON u.id = s.user_id"
            " WHERE s.rating_id = ?",
            (rating["id"],),
        )
        kept = {row["userid"]: int(row["score"]) for row in rows}
        assert len(rows) == CROWD
        for i, pair in enumerate(sent):
            assert kept[f"a{i}"] in pair
        assert final["distribution"] == {
            str(s): sum(1 for v in kept.values() if v == s) for s in range(1, 11)
        }
        # The exact mean, rounded half-up to cents: 5.475 is 5.48, never 5.47 by float error.
        exact = Decimal(sum(kept.values())) / CROWD
        assert final["average"] == float(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))


async def test_red_packet_claims_are_exact(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, CROWD) as r:
        count, total = 150, 88_888
        body = {"total_cents": total, "count": count}
        packet = await ok(await client.post(f"/api/meetings/{r.number}/redpackets", json=body), 201)
        url = f"/api/redpackets/{packet['id']}/claim"
        # Every attendee (and the organizer) grabs twice at once.
        grabbers = [*r.attendees, r.organizer]
        results = await asyncio.gather(*(_post(b, url) for b in grabbers for _ in range(2)))

        won = [(i // 2, res) for i, (status, res) in enumerate(results) if status == 200]
        assert len(won) == count
        per_person = Counter(who for who, _ in won)
        assert max(per_person.values()) == 1  # nobody claimed twice
        assert sorted(res["index"] for _, res in won) == list(range(count))  # each share once
        assert sum(res["cents"] for _, res in won) == total
        assert all(res["cents"] >= 1 for _, res in won)
        refused = Counter(res["error"]["code"] for status, res in results if status != 200)
        assert set(refused) <= {"already_claimed", "empty"}
        assert sum(refused.values()) == 2 * len(grabbers) - count
        # Winners' second grab is "already_claimed"; the others see "empty".
        assert refused["already_claimed"] == count

        final = await ok(await client.get(f"/api/redpackets/{packet['id']}"))
        assert final["status"] == "empty"
        assert final["claimed_count"] == count and final["claimed_cents"] == total
        assert len({c["user"]["id"] for c in final["claims"]}) == count
        db = client.app[DB]
        row = await db.fetchone(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS people, SUM(cents) AS cents"
            " FROM red_packet_share WHERE packet_id = ? AND user_id IS NOT NULL",
            (packet["id"],),
        )
        assert row is not None
        assert (int(row["n"]), int(row["people"]), int(row["cents"])) == (count, count, total)


async def test_concurrent_draws_produce_one_result(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, CROWD) as r:
        create = {"title": "大奖", "winners": 5}
        lot = await ok(await client.post(f"/api/meetings/{r.number}/lotteries", json=create), 201)
        second = await ok(
            await client.post(f"/api/meetings/{r.number}/lotteries", json=create), 201
        )
        # Two lotteries of the meeting, each drawn 20 times at once, while attendees watch.
        url1, url2 = f"/api/lotteries/{lot['id']}/draw", f"/api/lotteries/{second['id']}/draw"
        calls = [_post(client, url) for _ in range(20) for url in (url1, url2)]
        calls += [_post(b, url1) for b in r.attendees[:50]]  # not the organizer: refused
        results = await asyncio.gather(*calls)
        draws, refusals = results[:40], results[40:]
        assert all(status == 403 for status, _ in refusals)
        assert all(status == 200 for status, _ in draws), draws[:3]
        first_winners = {
            tuple(w["id"] for w in b["winners"]) for _, b in draws if b["id"] == lot["id"]
        }
        second_winners = {
            tuple(w["id"] for w in b["winners"]) for _, b in draws if b["id"] == second["id"]
        }
        assert len(first_winners) == 1 and len(second_winners) == 1
        (w1,), (w2,) = first_winners, second_winners
        assert len(set(w1)) == 5 and len(set(w2)) == 5
        assert not set(w1) & set(w2)  # the later draw excluded the earlier winners
        db = client.app[DB]
        stored = await db.fetchval(
            "SELECT COUNT(*) FROM lottery_winner WHERE lottery_id IN (?, ?)",
            (lot["id"], second["id"]),
        )
        assert int(stored) == 10
