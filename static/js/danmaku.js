// 弹幕: chat messages crossing the screen in lanes, right to left, never overlapping. Every item
// moves at the same speed, so an item that entered its lane fully after the one before it never
// catches up with it. Off clears the screen at once. Wiring: the screen calls `setOn` with GET
// /api/meetings/{n}/danmaku and each `danmaku` frame, and `add` with each chat message.
import { el } from "./common.js";

const SPEED = 160; // px a second
const GAP = 40; // px between two items of a lane
const LANE = 44; // px a lane
const WAITING = 50;
const BAND = [0.12, 0.7]; // the part of the screen's height 弹幕 cross

/** Mask each blocked word (any case) with ＊. */
export function mask(text, blocked = []) {
  let out = text;
  for (const word of blocked) {
    if (!word) continue;
    const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(new RegExp(escaped, "gi"), (m) => "＊".repeat([...m].length));
  }
  return out;
}

export class Danmaku {
  /** `box`: a positioned element over the screen; `blocked`: words to mask. */
  constructor(box, blocked = []) {
    Object.assign(this, { box, blocked, on: false, waiting: [], lanes: [], timer: null });
  }

  setOn(on) {
    this.on = Boolean(on);
    this.box.dataset.danmaku = this.on ? "on" : "off";
    if (!this.on) {
      this.waiting = [];
      this.lanes = [];
      this.box.replaceChildren();
    }
  }

  /** A chat message (`{user, text}`) to send across, when on. */
  add(msg) {
    if (!this.on || !msg?.text) return;
    this.waiting.push(msg);
    if (this.waiting.length > WAITING) this.waiting.shift();
    this.pump();
  }

  pump() {
    // Lanes below the screen's title bar, over its upper part: the stage's own text stays readable.
    const count = Math.max(1, Math.floor((this.box.clientHeight * (BAND[1] - BAND[0])) / LANE));
    const now = performance.now();
    while (this.waiting.length) {
      const lane = [...Array(count).keys()].find((i) => (this.lanes[i] ?? 0) <= now);
      if (lane === undefined) break;
      this.launch(this.waiting.shift(), lane, now);
    }
    clearTimeout(this.timer);
    if (this.waiting.length) this.timer = setTimeout(() => this.pump(), 100);
  }

  launch(msg, lane, now) {
    const node = el("div", { class: "danmaku-item", dataset: { lane } },
      el("span", { class: "who", text: `${msg.user?.name ?? ""}：` }), el("span", { text: mask(msg.text, this.blocked) }));
    // Styles through the CSSOM: the pages' CSP refuses style attributes.
    Object.assign(node.style, { position: "absolute", left: "0", top: `${Math.round(this.box.clientHeight * BAND[0]) + lane * LANE}px`, whiteSpace: "nowrap", fontSize: "1.6rem", fontWeight: "700", color: "#fff", textShadow: "0 0 4px #000", willChange: "transform" });
    this.box.append(node);
    const width = node.offsetWidth;
    const span = this.box.clientWidth + width;
    // The lane is free again once this item has fully entered, plus a gap.
    this.lanes[lane] = now + ((width + GAP) / SPEED) * 1000;
    const run = node.animate([{ transform: `translateX(${this.box.clientWidth}px)` }, { transform: `translateX(${-width}px)` }],
      { duration: (span / SPEED) * 1000, easing: "linear" });
    run.onfinish = () => node.remove();
  }
}
