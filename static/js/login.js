// The sign-in page: the shared top bar; inside WeCom's own browser (its user agent says wxwork)
// WeCom sign-in starts at once, with no extra tap. WeChat sign-in (issue 21) is offered when the
// 公众号 is set up, and starts at once inside WeChat's own browser (MicroMessenger, no wxwork).
import { api, errorText } from "./common.js";

const start = document.getElementById("wecom-login");
const wechat = document.getElementById("wechat-login");
const off = document.getElementById("wechat-off");

/** True in WeChat's browser; WeCom's browser also says MicroMessenger but adds wxwork. */
export function inWeChatBrowser(userAgent) {
  return /MicroMessenger/i.test(userAgent) && !/wxwork/i.test(userAgent);
}

async function offerWeChat() {
  if (!start || !wechat) return;
  // The same local `next` the WeCom button carries (hub checks it again on the way back).
  const next = new URL(start.href, location.href).searchParams.get("next") || "/";
  const wechatStart = "/auth/wechat/login?" + new URLSearchParams({ next });
  const inWeChat = inWeChatBrowser(navigator.userAgent);
  let enabled = false;
  try {
    const resp = await fetch("/auth/wechat/status", { credentials: "same-origin" });
    enabled = resp.ok && (await resp.json()).enabled === true;
  } catch {
    enabled = false;
  }
  if (enabled) {
    wechat.href = wechatStart;
    wechat.hidden = false;
    if (inWeChat) location.replace(wechatStart);
  } else if (inWeChat && off) {
    off.hidden = false; // say why nothing happens instead of leaving a WeCom-only page
  }
}

/** Going back to a meeting: a visitor may join it with a nickname, when it takes guests. */
function offerGuest() {
  const form = document.getElementById("guest-form");
  const next = start ? new URL(start.href, location.href).searchParams.get("next") || "" : "";
  const number = /^\/m\/(\d{5})$/.exec(next)?.[1];
  if (!form || !number) return;
  const nickname = document.getElementById("guest-nickname");
  const error = document.getElementById("guest-error");
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      await api("POST", `/api/meetings/${number}/guest`, { nickname: nickname.value.trim() });
      location.replace(next);
    } catch (err) {
      error.textContent = errorText(err.code, err.message);
      error.hidden = false;
    }
  });
}

if (start && /wxwork/i.test(navigator.userAgent)) location.replace(start.href);
else {
  offerWeChat();
  offerGuest();
}
