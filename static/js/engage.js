// Reactions and 弹幕 on a page, in one call, so wiring them is a few lines in meeting.js and screen.js:
//
//   phone (meeting.js):  const engage = mountEngage({ number, send: room.send, bar: $("reactions") });
//   screen (screen.js):  const engage = mountEngage({ number, over: $("overlay"), api });
//   both, per frame:     engage.onFrame(frame)   // reactions, danmaku and chat frames; others ignored
//   (or `follow: true`: frames come from room.js's `hub:frame` DOM events, as on the meeting page)
//
// `over` is an element laid over the screen (position: relative or absolute, full size): emoji float
// up in it and 弹幕 cross it. `api` is the page's own API call (the screen's carries its link token).
import { api as plainApi } from "./common.js";
import { Danmaku } from "./danmaku.js";
import { reactionBar, reactionFloater } from "./reactions.js";

export function mountEngage({ number, send = null, bar = null, over = null, tally = null, api = plainApi, follow = false }) {
  if (bar && send) bar.replaceChildren(reactionBar(send));
  const floater = over ? reactionFloater(over, tally) : null;
  const danmaku = over ? new Danmaku(over) : null;
  if (danmaku) {
    api("GET", `/api/meetings/${number}/danmaku`).then((body) => {
      danmaku.blocked = body.blocked ?? [];
      danmaku.setOn(body.on);
    }).catch(() => {});
  }
  function onFrame(frame) {
    if (frame.type === "reactions") floater?.onFrame(frame);
    else if (frame.type === "danmaku") danmaku?.setOn(frame.on);
    else if (frame.type === "chat") danmaku?.add(frame);
  }
  if (follow) document.addEventListener("hub:frame", (event) => onFrame(event.detail));
  return {
    onFrame,
    /** The organizer's switch: PUT /api/meetings/{n}/danmaku. */
    setDanmaku: (on) => api("PUT", `/api/meetings/${number}/danmaku`, { on }),
  };
}
