"""The simulator's mini-program and 公众号 sign-in answers (issue 21), over real HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp
from yarl import URL

from hub.simulator import SimConfig
from tests.fixtures_sim import Sim

CFG = SimConfig()


async def get(sim: Sim, path: str, **params: str) -> dict[str, Any]:
    """A GET to the simulator; the JSON answer."""
    async with sim.session.get(sim.url + path, params=params) as resp:
        assert resp.status == 200
        answer: dict[str, Any] = await resp.json()
        return answer


async def session_of(sim: Sim, code: str, secret: str = CFG.secret) -> dict[str, Any]:
    """jscode2session for `code` with the mini-program's credentials."""
    return await get(
        sim,
        "/sns/jscode2session",
        appid=CFG.appid,
        secret=secret,
        js_code=code,
        grant_type="authorization_code",
    )


async def wx_code(sim: Sim, person: str) -> str:
    """A wx.login code."""
    code: str = (await sim.post("/_sim/wx/login", {"person": person}))["code"]
    return code


async def oa_code(sim: Sim, person: str) -> str:
    """A 公众号 OAuth code, approved at the authorize page as `person`."""
    query = {
        "appid": CFG.oa_appid,
        "redirect_uri": "https://hub.example/auth/wechat/callback",
        "response_type": "code",
        "scope": "snsapi_userinfo",
        "state": "abc123",
        "person": person,
    }
    async with aiohttp.ClientSession() as plain:
        url = URL(sim.url + "/connect/oauth2/authorize").with_query(query)
        resp = await plain.get(url, allow_redirects=False)
        assert resp.status == 302, await resp.text()
        back = URL(resp.headers["Location"])
    assert back.query["state"] == "abc123"
    return back.query["code"]


async def test_jscode2session_answers_and_codes_work_once_for_five_minutes(sim: Sim) -> None:
    answer = await session_of(sim, await wx_code(sim, "xiaoming"))
    assert set(answer) == {"openid", "session_key", "unionid"}
    assert set(await session_of(sim, await wx_code(sim, "solo9"))) == {"openid", "session_key"}
    code = await wx_code(sim, "xiaoming")
    assert (await session_of(sim, code))["openid"] == answer["openid"]
    assert (await session_of(sim, code))["errcode"] == 40029  # used
    late = await wx_code(sim, "xiaoming")
    await sim.post("/_sim/clock", {"advance": 299})
    assert "openid" in await session_of(sim, late)
    stale = await wx_code(sim, "xiaoming")
    await sim.post("/_sim/clock", {"advance": 301})
    assert (await session_of(sim, stale))["errcode"] == 40029  # expired
    wrong = await session_of(sim, await wx_code(sim, "xiaoming"), secret="nope")
    assert wrong["errcode"] == 40125
    await sim.fault("jscode2session", errcode=40226)
    assert (await session_of(sim, await wx_code(sim, "xiaoming")))["errcode"] == 40226


async def test_official_account_oauth_shares_the_unionid_not_the_openid(sim: Sim) -> None:
    mp = await session_of(sim, await wx_code(sim, "xiaohong"))
    code = await oa_code(sim, "xiaohong")
    token = await get(
        sim,
        "/sns/oauth2/access_token",
        appid=CFG.oa_appid,
        secret=CFG.oa_secret,
        code=code,
        grant_type="authorization_code",
    )
    assert set(token) == {
        "access_token",
        "expires_in",
        "refresh_token",
        "openid",
        "scope",
        "unionid",
    }
    assert token["openid"] != mp["openid"] and token["unionid"] == mp["unionid"]
    again = await get(
        sim,
        "/sns/oauth2/access_token",
        appid=CFG.oa_appid,
        secret=CFG.oa_secret,
        code=code,
        grant_type="authorization_code",
    )
    assert again["errcode"] == 40029
    info = await get(
        sim, "/sns/userinfo", access_token=token["access_token"], openid=token["openid"]
    )
    assert {"nickname", "headimgurl", "unionid"} <= set(info)
    assert info["unionid"] == mp["unionid"]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in info["nickname"])
    assert (await get(sim, "/sns/userinfo", access_token="x", openid="y"))["errcode"] == 40014


async def test_the_authorize_page_lists_wechat_people_for_the_official_account(sim: Sim) -> None:
    query = {
        "appid": CFG.oa_appid,
        "redirect_uri": "https://hub.example/cb",
        "response_type": "code",
        "scope": "snsapi_userinfo",
        "state": "s1",
    }
    async with sim.session.get(sim.url + "/connect/oauth2/authorize", params=query) as resp:
        page = await resp.text()
    assert resp.status == 200 and "微信授权" in page and "person=xiaoming" in page
