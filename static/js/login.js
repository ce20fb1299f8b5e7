// The sign-in page: the shared top bar, and WeChat sign-in (issue 21) when the 公众号 is set up.
// Inside WeChat's own browser (MicroMessenger, not WeCom's wxwork) that sign-in starts at once.
import "./common.js";

const wecom = document.getElementById("wecom-login");
const wechat = document.getElementById("wechat-login");
const off = document.getElementById("wechat-off");

/** True in WeChat's browser; WeCom's browser also says MicroMessenger but adds wxwork. */
export function inWeChatBrowser(userAgent) {
  return /MicroMessenger/i.test(userAgent) && !/wxwork/i.test(userAgent);
}

async function offerWeChat() {
  if (!wecom || !wechat) return;
  // The same local `next` the WeCom button carries (hub checks it again on the way back).
  const next = new URL(wecom.href, location.href).searchParams.get("next") || "/";
  const start = "/auth/wechat/login?" + new URLSearchParams({ next });
  const inWeChat = inWeChatBrowser(navigator.userAgent);
  let enabled = false;
  try {
    const resp = await fetch("/auth/wechat/status", { credentials: "same-origin" });
    enabled = resp.ok && (await resp.json()).enabled === true;
  } catch {
    enabled = false;
  }
  if (enabled) {
    wechat.href = start;
    wechat.hidden = false;
    if (inWeChat) location.replace(start);
  } else if (inWeChat && off) {
    off.hidden = false; // say why nothing happens instead of leaving a WeCom-only page
  }
}

offerWeChat();
