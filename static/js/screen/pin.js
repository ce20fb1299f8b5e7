// The pinned announcement as a banner across the top of the screen, until the organizer unpins
// it: read once at mount (so a reload shows it), then kept by `pin` frames.
import { el, t } from "../common.js";

export function pinBanner({ number, api, host }) {
  const text = el("span", { class: "pin-text" });
  const node = el("div", { id: "pin-banner", class: "pin-banner", role: "status", hidden: true },
    el("strong", { text: `📌 ${t("pin.title")} ` }), text);
  // The screen never scrolls: the banner overlays the top edge instead of pushing the layout.
  Object.assign(node.style, {
    position: "absolute", left: "0", right: "0", top: "0", zIndex: "5", padding: "0.4em 1em",
    background: "#f5c542", color: "#1b1b1b", fontSize: "clamp(18px, 3vw, 48px)", textAlign: "center",
    whiteSpace: "nowrap", overflow: "hidden", textOverflow: "ellipsis",
  });
  host.append(node);
  const show = (pin) => {
    node.hidden = !pin;
    text.textContent = pin ? pin.text : "";
  };
  api("GET", `/api/meetings/${number}/pin`).then((body) => show(body.pin)).catch(() => {});
  return { onFrame: (frame) => { if (frame.type === "pin") show(frame.pin); } };
}
