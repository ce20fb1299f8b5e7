// The screen's keyboard: ← → step through the activities, C chat, Q join, B blank, F full screen,
// ? help. Only a screen that controls (the organizer's own, or a screen link) sends anything: it
// goes through the same PUT as the organizer's buttons.

/** The next choice for `key`, given what is shown and the activities oldest first; else null. */
export function choiceFor(key, presenting, ordered) {
  const lower = key.length === 1 ? key.toLowerCase() : key;
  if (lower === "c") return { show: "chat" };
  if (lower === "q") return { show: "join" };
  if (lower === "b") return { show: "blank" };
  if (lower !== "ArrowLeft" && lower !== "ArrowRight") return null;
  if (!ordered.length) return null;
  const at = presenting.show === "activity" ? ordered.findIndex((a) => a.kind === presenting.kind && a.id === presenting.id) : -1;
  // Off the activities, either arrow goes to the newest one.
  const next = at < 0 ? ordered.length - 1 : Math.max(0, Math.min(ordered.length - 1, at + (lower === "ArrowRight" ? 1 : -1)));
  if (next === at) return null;
  return { show: "activity", kind: ordered[next].kind, id: ordered[next].id };
}

/** Listen for keys; `choose(body)` PUTs a choice, `controls()` says whether we may. */
export function bindKeys({ help, noControl, controls, choose, current, ordered }) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") {
      help.hidden = !help.hidden;
      noControl.hidden = controls();
      return;
    }
    if (event.key === "Escape") { help.hidden = true; return; }
    if (!controls()) return;
    if (event.key === "f" || event.key === "F") {
      if (document.fullscreenElement) document.exitFullscreen?.();
      else document.documentElement.requestFullscreen?.().catch(() => {});
      return;
    }
    const body = choiceFor(event.key, current(), ordered());
    if (!body) return;
    event.preventDefault();
    choose(body);
  });
}
