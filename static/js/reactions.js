// Reactions: a bar of emoji buttons on phones, and emoji floating up the screen from the merged
// `reactions` frames ({counts, totals}: the server sends at most a few a second). Wiring: a page
// passes `room.send` to reactionBar and each `reactions` frame to the floater's `onFrame`.
import { el, t } from "./common.js";

export const EMOJIS = ["👍", "❤️", "😂", "👏", "🎉", "😮"];
const PER_SECOND = 5;
const MAX_FLOATING = 60;

/** Emoji buttons that send `{"type": "reaction", "emoji"}`; the phone itself keeps to 5 a second. */
export function reactionBar(send) {
  const sent = [];
  return el("div", { class: "reaction-bar", role: "group", "aria-label": t("reactions.label") },
    EMOJIS.map((emoji) => el("button", { type: "button", class: "reaction", text: emoji, "aria-label": emoji, on: { click: () => {
      const now = Date.now();
      while (sent.length && now - sent[0] > 1000) sent.shift();
      if (sent.length >= PER_SECOND) return;
      sent.push(now);
      send({ type: "reaction", emoji });
    } } })));
}

/** Float emoji up over `box` (positioned) and keep a tally of the totals in `tally` (optional). */
export function reactionFloater(box, tally = null) {
  let floating = 0;
  const best = {};
  function float(emoji) {
    if (floating >= MAX_FLOATING) return;
    floating += 1;
    const node = el("span", { class: "floating-reaction", text: emoji, "aria-hidden": "true" });
    // Styles through the CSSOM: the pages' CSP refuses style attributes.
    Object.assign(node.style, { position: "absolute", bottom: "0", left: `${5 + Math.random() * 90}%`, fontSize: `${2 + Math.random() * 1.5}rem`, pointerEvents: "none" });
    box.append(node);
    const rise = node.animate([
      { transform: "translateY(0) scale(.8)", opacity: 0 },
      { transform: "translateY(-15vh) scale(1)", opacity: 1, offset: 0.15 },
      { transform: `translateY(-70vh) translateX(${(Math.random() - 0.5) * 80}px) scale(1.1)`, opacity: 0 },
    ], { duration: 2500 + Math.random() * 1500, easing: "ease-out" });
    rise.onfinish = () => { node.remove(); floating -= 1; };
  }
  return {
    onFrame(frame) {
      for (const [emoji, n] of Object.entries(frame.counts ?? {})) {
        for (let i = 0; i < Math.min(n, 8); i += 1) setTimeout(() => float(emoji), Math.random() * 600);
      }
      // Frames of several processes may arrive out of order: totals only ever rise.
      for (const [emoji, n] of Object.entries(frame.totals ?? {})) best[emoji] = Math.max(best[emoji] ?? 0, n);
      tally?.replaceChildren(...EMOJIS.filter((e) => best[e]).map((e) => el("span", { class: "tally", dataset: { emoji: e }, text: `${e} ${best[e]}` })));
    },
    totals: () => ({ ...best }),
  };
}
