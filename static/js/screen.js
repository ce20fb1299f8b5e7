// The big screen (/m/{number}/screen and the screen link /s/{token}): what the organizer presents
// (join QR, chat wall, one activity, or blank), a connection badge, and the ended state. Never
// joins the meeting, never scrolls. Hooks for tests: docs/dashboard.md.
import { config, el, t } from "./common.js";
import { KINDS } from "./activities/index.js";
import { mountEngage } from "./engage.js";
import { trimToFit } from "./screen/fit.js";
import { pinBanner } from "./screen/pin.js";
import { bindKeys } from "./screen/keys.js";
import { Stage } from "./screen/stage.js";
import { CLOSE_LINK_REVOKED, screenApi, screenSocket } from "./screen/wire.js";

const { number, token } = config.screen;
const $ = (id) => document.getElementById(id);
const root = $("screen");
const wall = $("messages");
const stage = new Stage($("stage"));
const WALL_KEEP = 50;
const KIND_ORDER = [...KINDS.keys()];

const state = {
  presenting: { show: "join" },
  auto: true,
  controls: false,
  ended: false,
  activities: new Map(), // "kind:id" -> {kind, data}
  seen: new Set(),
  // Bumped by every presenting frame or PUT: a state read started before one must not undo it.
  changes: 0,
  // The version of the organizer's last choice shown: an older presenting frame is ignored.
  version: 0,
  lastSeq: 0,
  socket: null,
  engage: null, // reactions and 弹幕 over the screen, once it is live
};

const api = (method, path, body) => screenApi(token, method, path, body);

function hookOf(p) {
  return p.show === "activity" ? `activity:${p.kind}:${p.id}` : p.show;
}

/** Activities oldest first (the order ← and → walk). */
function ordered() {
  return [...state.activities.values()]
    .sort((a, b) => String(a.data.created_at).localeCompare(String(b.data.created_at)) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.data.id - b.data.id)
    .map((a) => ({ kind: a.kind, id: a.data.id }));
}

function render() {
  const p = state.presenting;
  root.dataset.presenting = hookOf(p);
  if (p.show === "activity") {
    const item = state.activities.get(`${p.kind}:${p.id}`);
    if (item) stage.show(item.kind, item.data);
    else stage.clear();
  } else {
    stage.clear();
  }
  fitWall();
}

/** Keep the newest messages that fit; older ones fall off the top. */
function fitWall() {
  for (const item of wall.children) item.hidden = false;
  if (wall.clientHeight > 0) trimToFit(wall, wall, { fromStart: true });
}

function addMessage(msg) {
  if (typeof msg.seq !== "number" || state.seen.has(msg.seq)) return;
  state.seen.add(msg.seq);
  state.lastSeq = Math.max(state.lastSeq, msg.seq);
  if (msg.deleted) return; // the organizer deleted it: its seq counts, its text never shows
  wall.append(el("li", { class: "msg", dataset: { seq: msg.seq } },
    el("span", { class: "who", text: msg.user?.name || msg.user?.userid || "" }),
    el("span", { class: "bubble", text: msg.text })));
  while (wall.children.length > WALL_KEEP) wall.firstElementChild.remove();
  fitWall();
}

/** Store an activity unless we already show a newer version of it. */
function putActivity(kind, data) {
  const key = `${kind}:${data.id}`;
  const old = state.activities.get(key)?.data;
  if (typeof old?.version === "number" && typeof data.version === "number" && data.version < old.version) return false;
  state.activities.set(key, { kind, data });
  return true;
}

function setOnline(n) {
  $("online-count").textContent = t("screen.online", { n });
}

function setConnection(online) {
  const badge = $("connection");
  badge.dataset.state = online ? "online" : "offline";
  badge.textContent = t(online ? "screen.connection_online" : "screen.connection_offline");
}

function applyState(body, { first, changes = state.changes }) {
  const meeting = body.meeting;
  $("meeting-title").textContent = meeting.title;
  document.title = `${meeting.title} · ${t("meeting.screen")}`;
  state.controls = Boolean(body.controls);
  root.dataset.controls = state.controls ? "1" : "0";
  if (body.activities) {
    for (const { kind, plural } of KINDS.values()) for (const data of body.activities[plural] ?? []) putActivity(kind, data);
  }
  if (body.presenting && changes === state.changes && (body.presenting_version ?? 0) >= state.version) {
    state.presenting = body.presenting;
    state.version = body.presenting_version ?? state.version;
    if (typeof body.auto_present === "boolean") state.auto = body.auto_present;
  }
  if (typeof body.online === "number") setOnline(body.online);
  if (first) for (const msg of body.messages ?? []) addMessage(msg);
  if (typeof body.last_seq === "number" && first) state.lastSeq = Math.max(state.lastSeq, body.last_seq);
  if (body.summary) {
    const s = body.summary;
    $("ended-summary").textContent = t("screen.ended_summary", { attendees: s.attendees, messages: s.messages, activities: s.activities });
  }
  render();
  if (!meeting.active) showEnded();
}

/** The meeting is over: say so, close the socket for good, and show what it was. */
function showEnded() {
  if (state.ended) return;
  state.ended = true;
  state.socket?.stop();
  root.dataset.meetingState = "ended";
  $("ended-banner").hidden = false;
  setConnection(false);
  $("connection").hidden = true;
  render();
  api("GET", `/api/meetings/${number}/screen`).then((body) => {
    if (body.summary) {
      const s = body.summary;
      $("ended-summary").textContent = t("screen.ended_summary", { attendees: s.attendees, messages: s.messages, activities: s.activities });
    }
  }).catch(() => {});
}

function showRevoked() {
  state.socket?.stop();
  root.dataset.link = "revoked";
  $("connection").hidden = true;
}

const onFrame = {
  hello() {
    // Every (re)open re-reads the screen: whatever changed while away is shown, once.
    const changes = state.changes;
    api("GET", `/api/meetings/${number}/screen`).then((body) => applyState(body, { first: false, changes })).catch(() => {});
  },
  // After a broker outage frames may have been lost on a socket that stayed open (docs/realtime.md):
  // the server says `resync`, and the screen re-reads as on a reopen.
  resync() {
    // Every screen and phone of the meeting hears it at once: spread the reads.
    setTimeout(onFrame.hello, Math.random() * 1500);
  },
  chat: addMessage,
  chat_deleted: (frame) => wall.querySelector(`li[data-seq="${Number(frame.seq)}"]`)?.remove(),
  presence: (frame) => setOnline(frame.count ?? (frame.online ?? []).length),
  presenting(frame) {
    if (typeof frame.version === "number") {
      if (frame.version < state.version) return; // crossed by a newer choice
      state.version = frame.version;
    }
    state.changes += 1;
    state.presenting = frame.show === "activity" ? { show: "activity", kind: frame.kind, id: frame.id } : { show: frame.show };
    if (typeof frame.auto_present === "boolean") state.auto = frame.auto_present;
    render();
  },
  activity(frame) {
    if (frame.kind === "meeting") {
      if (frame.event === "ended") showEnded();
      return;
    }
    if (!KINDS.has(frame.kind) || !frame.data || frame.data.id === undefined) return;
    // Deleted by the organizer (nobody had used it): it leaves the screen, and the keys' walk.
    if (frame.event === "deleted") {
      state.activities.delete(`${frame.kind}:${frame.data.id}`);
      return render();
    }
    if (!putActivity(frame.kind, frame.data)) return;
    // A new activity takes the screen when auto_present is on; votes, claims and scores never.
    if (frame.event === "created" && state.auto) {
      state.changes += 1;
      state.presenting = { show: "activity", kind: frame.kind, id: frame.data.id };
    }
    render();
  },
};

async function choose(body) {
  try {
    const answer = await api("PUT", `/api/meetings/${number}/presenting`, body);
    state.changes += 1;
    state.presenting = answer;
    render();
  } catch (error) {
    if (error.status === 401) showRevoked();
  }
}

async function main() {
  window.hubScreen = { state };
  bindKeys({
    help: $("help"),
    noControl: $("help-no-control"),
    controls: () => state.controls && !state.ended,
    choose,
    current: () => state.presenting,
    ordered,
  });
  window.addEventListener("resize", () => render());
  let body;
  try {
    body = await api("GET", `/api/meetings/${number}/screen`);
  } catch (error) {
    if (error.status === 401 && token) return showRevoked();
    // No such meeting, or not one this account attends: the same clear page for both.
    if (error.status === 404) root.dataset.missing = "1";
    $("meeting-title").textContent = error.status === 404 ? t("meeting.title", { number }) : error.message;
    return;
  }
  applyState(body, { first: true });
  if (state.ended) return;
  state.engage = mountEngage({ number, over: $("overlay"), api });
  state.pin = pinBanner({ number, api, host: $("screen") });
  state.socket = screenSocket({
    number,
    token,
    after: () => state.lastSeq,
    onFrame: (frame) => {
      onFrame[frame.type]?.(frame);
      if (!state.ended) state.engage?.onFrame(frame);
      state.pin?.onFrame(frame);
    },
    onOnline: setConnection,
    onFinal: (code) => (code === CLOSE_LINK_REVOKED ? showRevoked() : showEnded()),
  });
}

main();
