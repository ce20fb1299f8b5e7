// The organizer's control of the big screen, on the meeting page: join / chat / blank, a present
// button on every activity card, "present new activities automatically", and screen links. The
// current choice is marked. Frames arrive through room.js's `hub:frame` events; nothing here
// opens a socket of its own.
import { api, config, el, formatTime, showError, t, toast } from "../common.js";

const number = config.number;
const $ = (id) => document.getElementById(id);
const card = $("present-card");
const list = $("activities");
let presenting = { show: "join" };
let auto = true;
let live = false;
let version = 0; // of the last presenting frame applied: an older one is ignored

const hookOf = (p) => (p.show === "activity" ? `activity:${p.kind}:${p.id}` : p.show);

function bodyOf(hook) {
  const [show, kind, id] = hook.split(":");
  return show === "activity" ? { show, kind, id: Number(id) } : { show };
}

/** Mark the current choice on the mode buttons and the activity cards. */
function mark() {
  const current = hookOf(presenting);
  for (const button of document.querySelectorAll(".present-btn")) {
    const on = button.dataset.present === current;
    button.setAttribute("aria-pressed", String(on));
    const label = t(on ? "present.current" : "present.this");
    // Only when it changes: a rewrite is a DOM mutation, and the observer would call us again.
    if (button.dataset.present.startsWith("activity:") && button.textContent !== label) button.textContent = label;
  }
  for (const node of list.querySelectorAll("article.activity")) node.classList.toggle("presenting", `activity:${node.dataset.kind}:${node.dataset.id}` === current);
}

async function choose(hook) {
  try {
    presenting = await api("PUT", `/api/meetings/${number}/presenting`, bodyOf(hook));
    mark();
  } catch (error) {
    showError(error);
  }
}

/** Give every activity card its present button (cards are rebuilt on every change). */
function decorate() {
  for (const node of list.querySelectorAll("article.activity")) {
    const header = node.querySelector("header");
    if (!header || header.querySelector(".present-btn")) continue;
    const hook = `activity:${node.dataset.kind}:${node.dataset.id}`;
    header.append(el("button", { type: "button", class: "btn ghost small present-btn", dataset: { present: hook }, "aria-pressed": "false", text: t("present.this") }));
  }
  mark();
}

function linkRow(link) {
  const revoke = el("button", { type: "button", class: "btn ghost small", text: t("present.revoke") });
  const row = el("li", { dataset: { linkId: link.id } }, el("span", { text: t("present.link_item", { id: link.id, time: formatTime(link.created_at) }) }), revoke);
  revoke.addEventListener("click", async () => {
    try {
      await api("DELETE", `/api/meetings/${number}/screen-links/${link.id}`);
      row.remove();
      toast(t("present.link_revoked"), "ok");
    } catch (error) {
      showError(error);
    }
  });
  return row;
}

async function showLinks() {
  const answer = await api("GET", `/api/meetings/${number}/screen-links`);
  $("screen-link-list").replaceChildren(...answer.links.map(linkRow));
}

async function newLink() {
  try {
    const link = await api("POST", `/api/meetings/${number}/screen-links`, {});
    const field = $("screen-link-url");
    field.value = new URL(link.url, location.href).href;
    field.hidden = false;
    field.select();
    toast(t("present.link_made"), "ok");
    $("screen-link-list").append(linkRow(link));
  } catch (error) {
    showError(error);
  }
}

function onFrame(frame) {
  if (!live) return;
  if (frame.type === "presenting") {
    if (typeof frame.version === "number" && frame.version < version) return;
    version = frame.version ?? version;
    presenting = frame.show === "activity" ? { show: "activity", kind: frame.kind, id: frame.id } : { show: frame.show };
    if (typeof frame.auto_present === "boolean") $("auto-present").checked = auto = frame.auto_present;
    mark();
  } else if (frame.type === "activity" && frame.kind === "meeting" && frame.event === "ended") {
    live = false;
    card.hidden = true;
    for (const button of list.querySelectorAll(".present-btn")) button.remove();
  } else if (frame.type === "activity" && frame.event === "created" && auto && frame.data?.id !== undefined) {
    presenting = { show: "activity", kind: frame.kind, id: frame.data.id };
    mark();
  }
}

async function main() {
  let state;
  try {
    state = await api("GET", `/api/meetings/${number}/screen`);
  } catch {
    return; // not signed in, no such meeting: the page says so itself
  }
  if (!state.controls) return; // only the organizer of a live meeting controls the screen
  live = true;
  presenting = state.presenting;
  version = state.presenting_version ?? 0;
  auto = state.auto_present;
  $("auto-present").checked = auto;
  card.hidden = false;
  document.addEventListener("hub:frame", (event) => onFrame(event.detail));
  card.addEventListener("click", (event) => {
    const button = event.target.closest(".present-btn");
    if (button) choose(button.dataset.present);
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest(".present-btn");
    if (button && live) choose(button.dataset.present);
  });
  $("auto-present").addEventListener("change", async (event) => {
    try {
      const settings = await api("PATCH", `/api/meetings/${number}/settings`, { auto_present: event.target.checked });
      auto = settings.auto_present;
    } catch (error) {
      event.target.checked = auto;
      showError(error);
    }
  });
  $("new-screen-link").addEventListener("click", newLink);
  $("screen-links").addEventListener("toggle", () => showLinks().catch(showError), { once: true });
  new MutationObserver(decorate).observe(list, { childList: true, subtree: true });
  decorate();
}

main();
