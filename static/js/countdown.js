// Countdowns to a server deadline (unix seconds): `closes_at` of a timed activity, a quiz question.
// One timer for the page updates every countdown element; a card re-rendered by the board just
// builds a new element, and elements that left the page are dropped.
import { el, t } from "./common.js";

const live = new Set();
let timer = null;

function tick() {
  for (const node of live) {
    // Built before the board puts it on the page: dropped once it is gone (or never came).
    if (!node.isConnected && Date.now() - Number(node.dataset.born) > 2000) { live.delete(node); continue; }
    const left = Math.max(0, Math.ceil(Number(node.dataset.deadline) - Date.now() / 1000));
    node.textContent = t(node.dataset.key, { s: left });
    node.dataset.left = String(left);
    node.classList.toggle("urgent", left <= 5);
  }
  if (!live.size) { clearInterval(timer); timer = null; }
}

/** An element that counts down to `deadline` (unix seconds) as "{s} s left" (message `key`). */
export function countdown(deadline, key = "timer.left") {
  if (typeof deadline !== "number") return null;
  const node = el("span", { class: "timer-countdown tag", dataset: { deadline: String(deadline), key, born: String(Date.now()) } });
  live.add(node);
  tick();
  timer ??= setInterval(tick, 250);
  return node;
}

/** A timed activity's countdown while it is open (`closes_at`), else nothing. */
export function timed(data) {
  return data?.status === "open" ? countdown(data.closes_at) : null;
}
