// Moderation on the meeting page, mounted with one line: the pinned announcement at the top of
// every phone, a deleted message leaving the chat at once, the muted attendee told, and for the
// organizer the pin form and a delete / mute button on each message. Frames come from room.js's
// `hub:frame` events; the pin is also read once at load, so a refresh shows it.
import { api, config, el, formatTime, showError, t, toast } from "./common.js";

const number = config.number;
const me = config.user;
const MUTE_MINUTES = 10;

function banner() {
  let node = document.getElementById("pin-banner");
  if (!node) {
    node = el("div", { id: "pin-banner", class: "pin-banner", role: "status", hidden: true },
      el("strong", { text: `📌 ${t("pin.title")}` }), el("span", { class: "pin-text" }));
    // Styled here: the pages' stylesheets belong to the layout, and CSSOM styles pass the CSP.
    Object.assign(node.style, {
      background: "#fff4d6", border: "1px solid #f0c36d", borderRadius: "10px", color: "#5c3d00",
      padding: "0.6em 0.9em", margin: "0 0 0.8em", fontSize: "1.05em", overflowWrap: "anywhere",
    });
    const main = document.getElementById("main") ?? document.body;
    main.prepend(node);
  }
  return node;
}

function showPin(pin) {
  const node = banner();
  node.hidden = !pin;
  node.querySelector(".pin-text").textContent = pin ? ` ${pin.text}` : "";
}

/** A message the organizer deleted leaves the list (history gives it with no text, `deleted`). */
function dropMessage(seq) {
  document.querySelector(`#messages li.msg[data-seq="${seq}"]`)?.remove();
}

function organizerTools(list) {
  const form = el("form", { class: "pin-form stack", id: "pin-form" },
    el("input", { name: "text", maxlength: "200", placeholder: t("pin.title"), "aria-label": t("pin.title") }),
    el("div", { class: "actions" },
      el("button", { class: "btn small", type: "submit", text: `📌 ${t("pin.title")}` }),
      el("button", { class: "btn ghost small", type: "button", text: "✕",
        on: { click: () => api("DELETE", `/api/meetings/${number}/pin`).catch(showError) } })));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = form.elements.text.value.trim();
    if (text) api("PUT", `/api/meetings/${number}/pin`, { text }).then(() => form.reset()).catch(showError);
  });
  document.getElementById("organizer-tools")?.prepend(form);

  // A delete and a mute button on every message (history, live and later ones).
  const decorate = (li) => {
    if (!li.dataset.seq || li.querySelector(".mod-tools")) return;
    const seq = li.dataset.seq;
    li.append(el("span", { class: "mod-tools" },
      el("button", { type: "button", class: "link-btn", text: "🗑", title: t("chat.delete"), "aria-label": t("chat.delete"),
        on: { click: () => api("DELETE", `/api/meetings/${number}/messages/${seq}`).catch(showError) } }),
      li.classList.contains("mine") ? null : el("button", { type: "button", class: "link-btn", text: "🔇", title: t("chat.mute"), "aria-label": t("chat.mute"),
        on: { click: () => muteSender(seq) } })));
  };
  list.querySelectorAll("li.msg").forEach(decorate);
  new MutationObserver(() => list.querySelectorAll("li.msg").forEach(decorate)).observe(list, { childList: true });
}

async function muteSender(seq) {
  try {
    const page = await api("GET", `/api/meetings/${number}/messages?after=${Number(seq) - 1}&limit=1`);
    const userid = page.messages[0]?.user?.userid;
    if (userid) await api("POST", `/api/meetings/${number}/mutes`, { userid, minutes: MUTE_MINUTES });
  } catch (error) {
    showError(error);
  }
}

function onFrame(frame) {
  if (frame.type === "pin") showPin(frame.pin);
  else if (frame.type === "chat_deleted") dropMessage(frame.seq);
  else if (frame.type === "chat" && frame.deleted) dropMessage(frame.seq);
  else if (frame.type === "muted" && frame.userid === me?.userid) {
    toast(t("chat.muted", { until: formatTime(frame.until, { timeStyle: "short" }) }), "error");
  }
}

export async function mountModeration() {
  if (!number) return;
  document.addEventListener("hub:frame", (event) => onFrame(event.detail));
  const list = document.getElementById("messages");
  // History gives a deleted message without text: it never shows.
  if (list) {
    new MutationObserver(() => list.querySelectorAll("li.msg").forEach((li) => {
      if (!li.querySelector(".bubble")?.textContent) li.remove();
    })).observe(list, { childList: true });
  }
  try {
    showPin((await api("GET", `/api/meetings/${number}/pin`)).pin);
    const meeting = await api("GET", `/api/meetings/${number}`);
    if (list && meeting.organizer?.id === me?.id && !meeting.ended_at) organizerTools(list);
  } catch {
    // Not joined yet or offline: the page's own code says so; frames still update the pin.
  }
}

mountModeration();
