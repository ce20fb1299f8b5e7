// A new activity on a phone: a toast, a vibration where supported, a title badge, the card scrolled
// into view and the news announced to screen readers, so nobody misses a poll or a red packet.
import { announce, t, toast } from "./common.js";

let unseen = 0;
let baseTitle = document.title;

function showBadge() {
  document.title = unseen ? `(${unseen}) ${baseTitle}` : baseTitle;
}

/** The page title without the badge (the meeting page sets it once loaded). */
export function setBaseTitle(title) {
  baseTitle = title;
  showBadge();
}

/** The viewer has looked: the badge goes. */
function seen() {
  if (!unseen || document.hidden) return;
  unseen = 0;
  showBadge();
}
for (const event of ["pointerdown", "keydown", "visibilitychange"]) document.addEventListener(event, seen);

/** Tell the viewer that `title` (an activity of `kind`) just started; `card` is its element. */
export function newActivity(kind, title, card) {
  const text = t("act.started", { kind: t(`${kind}.kind`), title });
  unseen += 1;
  showBadge();
  toast(text, "info");
  announce(text);
  // A short double buzz; browsers without it (iOS) just skip it.
  navigator.vibrate?.([120, 60, 120]);
  if (card) {
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    card.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "nearest" });
    card.classList.add("fresh");
    setTimeout(() => card.classList.remove("fresh"), 4000);
  }
}
