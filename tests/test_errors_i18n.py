"""Errors people can read: every code hub can raise has a zh and an en message, and the API
answers `message` in the language of Accept-Language (the body stays {"error": {code, message}})."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from hub.i18n import catalogue
from hub.web.errors import _CODES as STATUS_CODES
from tests.fixtures_activities import room
from tests.fixtures_sim import Sim
from tests.helpers_auth import sim_settings

HUB = Path(__file__).resolve().parent.parent / "hub"
# Calls that carry a code, and where: the HubError classes and ApiError/error frames by
# position, the hub.errors factories by position or their default code.
_CLASSES = {"HubError", "Invalid", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Gone"}
_CLASSES |= {"Unavailable"}
_AT: dict[str, int] = {
    **dict.fromkeys(_CLASSES, 0),
    "ApiError": 1,
    "error_response": 1,
    "error_frame": 0,
    "FrameError": 0,
}
_FACTORIES: dict[str, tuple[int | None, str]] = {
    "bad_request": (1, "bad_request"),
    "forbidden": (1, "forbidden"),
    "conflict": (1, "conflict"),
    "not_found": (None, "not_found"),
    "closed": (None, "closed"),
}


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def codes_in_source() -> dict[str, str]:
    """Every literal error code in hub (the sealed simulator aside), with where it is raised."""
    found: dict[str, str] = {}
    for path in sorted(HUB.rglob("*.py")):
        if "simulator" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or (name := _called(node)) is None:
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            code: str | None = None
            if name in _AT:
                at = _AT[name]
                code = _literal(node.args[at] if len(node.args) > at else keywords.get("code"))
            elif name in _FACTORIES:
                where, default = _FACTORIES[name]
                given = keywords.get("code")
                if given is None and where is not None and len(node.args) > where:
                    given = node.args[where]
                code = default if given is None else _literal(given)
            if code is not None:
                found.setdefault(code, f"{path.relative_to(HUB.parent)}:{node.lineno}")
    return found


def test_the_walk_finds_codes_of_every_shape() -> None:
    codes = codes_in_source()
    # A class, a factory's default and its argument, ApiError, an error frame.
    for code in ("meeting_ended", "bad_request", "already_voted", "unauthorized", "rate_limited"):
        assert code in codes, code
    assert len(codes) > 50


def test_every_code_has_a_zh_and_an_en_message() -> None:
    codes = {**codes_in_source(), **{c: "hub/web/errors.py" for c in STATUS_CODES.values()}}
    codes |= {"error": "hub/web/errors.py"}
    for lang in ("zh", "en"):
        messages = catalogue(lang)
        missing = {c: where for c, where in codes.items() if not messages.get(f"api.{c}")}
        assert not missing, (lang, missing)
    # Chinese messages are Chinese: no message of zh is the English one.
    same = [c for c in codes if catalogue("zh")[f"api.{c}"] == catalogue("en")[f"api.{c}"]]
    assert not same, same


def test_both_catalogues_have_the_same_keys() -> None:
    zh = json.loads((HUB / "i18n" / "zh.json").read_text(encoding="utf-8"))
    en = json.loads((HUB / "i18n" / "en.json").read_text(encoding="utf-8"))
    assert set(zh) == set(en)


async def test_the_message_follows_accept_language(
    sim: Sim, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r:
        lot = {"title": "大奖", "winners": 5}
        path = f"/api/meetings/{r.number}/lotteries"
        for lang, header in (("zh", "zh-CN,zh;q=0.9"), ("en", "en-US,en;q=0.8"), ("zh", "")):
            resp = await client.post(path, json=lot, headers={"Accept-Language": header})
            assert resp.status == 409
            body = await resp.json()
            assert body["error"]["code"] == "not_enough_attendees"
            assert body["error"]["message"] == catalogue(lang)["api.not_enough_attendees"].format(
                eligible=1, winners=5
            )
        gone = await client.get("/api/polls/987654", headers={"Accept-Language": "en"})
        assert (await gone.json())["error"] == {"code": "not_found", "message": "Not found."}


async def test_limits_are_the_ones_enforced(sim: Sim, make_settings: Any, hub_client: Any) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    limits = await (await client.get("/api/limits")).json()
    poll = limits["poll"]
    assert (poll["options_max"], poll["option_length"]) == (20, 100)
    assert limits["redpacket"]["total_max_cents"] == 20_000_000
    assert poll["results"] == ["always", "after_vote", "after_close"]
    async with room(client, sim.url, 1) as r:
        path = f"/api/meetings/{r.number}/polls"
        too_many = {"question": "q", "options": [str(i) for i in range(poll["options_max"] + 1)]}
        assert (await client.post(path, json=too_many)).status == 400
        long = {"question": "q", "options": ["a", "b" * (poll["option_length"] + 1)]}
        resp = await client.post(path, json=long, headers={"Accept-Language": "zh"})
        body = await resp.json()
        assert body["error"]["code"] == "bad_option_label"
        assert body["error"]["message"] == "每个选项须为 1 到 100 个字符。"
        fits = {"question": "q", "options": ["a", "b" * poll["option_length"]]}
        assert (await client.post(path, json=fits)).status == 201
