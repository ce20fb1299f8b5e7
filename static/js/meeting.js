// The meeting room: chat with history and resume, online list, invite QR, activities, organizer tools.
// The wire (load, join, history, socket, resume, ended) is room.js, shared with the screen.
import { Board } from "./activities/board.js";
import { api, avatar, config, el, errorText, formatTime, randomId, showError, t, toast } from "./common.js";
import { keepForm, keepInput } from "./drafts.js";
import { capWinners, showLimits } from "./limits.js";
import { maybeAskName } from "./name_prompt.js";
import { newActivity, setBaseTitle } from "./notice.js";
import { People } from "./people.js";
import { mountEngage } from "./engage.js";
import { openRoom } from "./room.js";

const number = config.number;
const me = config.user;
const HISTORY = 50;
// The online list shows at most this many faces; the count is always the server's exact `count`.
const ONLINE_SHOWN = 60;
const $ = (id) => document.getElementById(id);
const state = { meeting: null, pending: new Map(), ended: false };
const activities = new Board($("activities"), {
  number,
  me,
  onNew: (kind, data, card) => newActivity(kind, card?.querySelector("h3")?.textContent ?? "", card),
});
const people = new People(
  { list: $("attendees"), title: $("attendees-title"), search: $("attendee-search"), pager: $("attendee-pager") },
  (user) => tagsOf(user),
);
let room = null;

/** Show a problem that stops the room (unknown number, not allowed) instead of the room. */
function fatal(messageKey) {
  document.querySelector(".meeting-grid")?.remove();
  $("conn").hidden = true;
  const card = el("section", { class: "card narrow center", id: "meeting-error" },
    el("h2", { text: t(messageKey) }), el("a", { class: "btn", href: "/", text: t("common.back_home") }));
  document.querySelector("main").append(card);
}

/** Who could win a lottery now: the attendees but the organizer. */
const eligible = () => Math.max(0, people.users.size - 1);

function tagsOf(user) {
  const tags = [];
  if (user.id === state.meeting?.organizer?.id) tags.push(el("span", { class: "tag", text: t("meeting.organizer_badge") }));
  if (user.id === me?.id) tags.push(el("span", { class: "tag", text: t("meeting.you") }));
  return tags;
}

function personItem(user) {
  return el("li", { dataset: { userId: user.id } }, avatar(user, "avatar sm"), el("span", { text: user.name }), ...tagsOf(user),
    el("span", { class: "dot", "aria-hidden": "true" }));
}

/** Who is online: the frame's `online` list is capped by the server, its `count` is exact. */
function renderOnline(users, count = users.length) {
  const title = $("online-title");
  title.textContent = t("meeting.online", { n: count });
  title.dataset.onlineCount = String(count);
  const shown = users.slice(0, ONLINE_SHOWN);
  const more = count - shown.length;
  const rows = shown.map(personItem);
  if (more > 0) rows.push(el("li", { class: "muted", text: t("meeting.online_more", { n: more }) }));
  $("online").replaceChildren(...rows);
}

function renderMeeting(m) {
  state.meeting = m;
  const organizer = m.organizer?.id === me?.id;
  $("meeting-title").textContent = m.title;
  setBaseTitle(`${m.title} · ${number}`);
  $("meeting-organizer").textContent = m.organizer ? `· ${t("meeting.organizer", { name: m.organizer.name })}` : "";
  if (m.qr_png_url) $("qr").src = m.qr_png_url;
  $("join-url").value = m.join_url ?? location.href;
  for (const id of ["end-meeting", "export-card", "organizer-tools"]) $(id).hidden = !organizer;
  // Reactions are the audience's; the organizer's page keeps its room for the controls.
  $("reactions").hidden = organizer;
  people.setAll(m.attendees ?? []);
  showLimits($("organizer-tools"), m.limits);
  capWinners($("organizer-tools"), eligible());
  renderOnline(m.online ?? [], m.online_count ?? (m.online ?? []).length);
  activities.setAll(m.activities);
  setEnded(Boolean(m.ended_at));
  activities.setRole({ organizer, ended: state.ended });
}

function setEnded(ended) {
  state.ended = ended;
  $("ended-banner").hidden = !ended;
  $("chat-input").disabled = ended || !room?.open;
  $("chat-send").disabled = $("chat-input").disabled;
  if (ended) {
    $("end-meeting").hidden = true;
    $("organizer-tools").hidden = true;
    $("attendee-tools").hidden = true;
    $("reactions").hidden = true;
    room?.end(state.meeting);
    setConn("lost", t("meeting.ended"));
  }
}

function setConn(kind, text) {
  $("conn").className = `conn ${kind}`;
  $("conn").textContent = text;
}

// ---- chat ----
const list = $("messages");

function nearBottom() {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

/** Until the history arrives the chat says it is loading; after, an empty room says so. */
function historyRead() {
  const placeholder = $("no-messages");
  if (!placeholder) return;
  placeholder.textContent = t("meeting.no_messages");
  placeholder.removeAttribute("aria-busy");
}

function messageNode(msg, pending = false) {
  const mine = msg.user?.id === me?.id;
  const who = `${mine ? t("meeting.you") : msg.user?.name ?? ""} · ${formatTime(msg.ts ?? new Date(), { timeStyle: "short" })}`;
  return el("li", { class: `msg${mine ? " mine" : ""}${pending ? " pending" : ""}`, dataset: { seq: msg.seq ?? "", clientId: msg.client_id ?? "" } },
    avatar(msg.user, "avatar sm"),
    el("div", {}, el("div", { class: "who", text: who }), el("div", { class: "bubble", text: msg.text })));
}

/** A message from the room (each seq once, in order); ours replaces its greyed copy. */
function addMessage(msg) {
  const stick = nearBottom() || msg.user?.id === me?.id;
  $("no-messages")?.remove();
  const node = messageNode(msg);
  const pending = msg.client_id ? state.pending.get(msg.client_id) : null;
  if (pending) {
    pending.node.replaceWith(node);
    state.pending.delete(msg.client_id);
  } else {
    list.append(node);
  }
  if (stick) list.scrollTop = list.scrollHeight;
}

function sendChat(event) {
  event.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  if (text.length > 2000) return toast(t("meeting.too_long"), "error");
  const frame = { type: "chat", text, client_id: randomId() };
  const node = messageNode({ user: me, text, client_id: frame.client_id }, true);
  $("no-messages")?.remove();
  list.append(node);
  list.scrollTop = list.scrollHeight;
  state.pending.set(frame.client_id, { frame, node });
  room.send(frame); // if the socket is down, the frame is resent after the next hello
  input.value = "";
  clearChatDraft();
  input.focus();
}

/** The server refused our messages as too fast: each keeps its text and gets a resend button. */
function markFailed() {
  for (const [clientId, entry] of state.pending) {
    if (entry.node.classList.contains("failed")) continue;
    entry.node.classList.add("failed");
    const retry = el("button", { type: "button", class: "btn ghost small retry", text: t("meeting.retry"), on: { click: () => {
      entry.node.classList.remove("failed");
      retry.remove();
      if (state.pending.has(clientId)) room.send(entry.frame);
    } } });
    entry.node.querySelector(".bubble").after(retry);
  }
}

function onRoomError(frame) {
  if (frame.code === "rate_limited") {
    markFailed();
    return toast(t("meeting.rate_limited"), "error");
  }
  toast(errorText(frame.code, frame.message), "error");
}

// ---- realtime ----
const STATES = {
  open() {
    setConn("open", t("meeting.online_status"));
    setEnded(state.ended);
  },
  lost() {
    setConn("lost", t("meeting.reconnecting"));
    $("chat-input").disabled = true;
    $("chat-send").disabled = true;
  },
  closed() {
    setConn("lost", t("meeting.disconnected"));
    $("chat-input").disabled = true;
    $("chat-send").disabled = true;
  },
};

const hooks = {
  join: true,
  history: HISTORY,
  onMeeting: renderMeeting,
  onJoined: () => toast(t("meeting.joined"), "ok"),
  onChat: addMessage,
  onState: (name) => STATES[name]?.(),
  // client_id makes resends idempotent: anything unconfirmed goes again.
  onHello() {
    for (const { frame } of state.pending.values()) room.send(frame);
  },
  onPresence: (online, frame) => renderOnline(online, frame.count ?? online.length),
  onError: onRoomError,
  onEnded: () => setEnded(true),
  // After any outage the room re-reads what changed in the activities (frames may have been lost).
  cursor: () => activities.cursor(),
  onCatchUp: (answer) => activities.catchUp(answer.activities, answer.cursor),
  onActivity(frame) {
    if (frame.kind !== "meeting") return activities.applyFrame(frame);
    const joined = frame.data?.joined;
    if (joined) {
      people.add(joined);
      capWinners($("organizer-tools"), eligible());
    }
  },
};

let clearChatDraft = () => {};

function setupControls() {
  $("chat-form").addEventListener("submit", sendChat);
  clearChatDraft = keepInput(number, "chat", $("chat-input"));
  for (const form of document.querySelectorAll("form[data-create]")) keepForm(number, form.dataset.create, form);
  // A new name shows at once in the lists (others see it with their next read).
  document.addEventListener("hub:renamed", (event) => people.rename(event.detail));
  $("copy-link").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("join-url").value);
      toast(t("common.copied"), "ok");
    } catch {
      $("join-url").select();
    }
  });
  const end = $("end-meeting");
  end.addEventListener("click", async () => {
    // Two clicks instead of a confirm() dialog.
    if (!end.dataset.armed) {
      end.dataset.armed = "1";
      end.textContent = t("meeting.end_confirm");
      setTimeout(() => { delete end.dataset.armed; end.textContent = t("meeting.end"); }, 4000);
      return;
    }
    try {
      renderMeeting(await api("POST", `/api/meetings/${number}/end`));
    } catch (error) {
      showError(error);
    }
  });
  activities.bindCreateForms($("organizer-tools"));
  activities.bindCreateForms($("attendee-tools")); // kinds attendees create (a Q&A question)
}

/** The organizer's 弹幕 switch: its state is the server's, and a frame keeps every page in step. */
function wireDanmaku(engage) {
  const toggle = $("danmaku-toggle");
  if (!state.meeting || state.meeting.organizer?.id !== config.user?.id) return;
  api("GET", `/api/meetings/${number}/danmaku`).then((body) => { toggle.checked = Boolean(body.on); }).catch(() => {});
  document.addEventListener("hub:frame", (event) => {
    if (event.detail?.type === "danmaku") toggle.checked = Boolean(event.detail.on);
  });
  toggle.addEventListener("change", () => {
    engage.setDanmaku(toggle.checked).catch((error) => { toggle.checked = !toggle.checked; showError(error); });
  });
}

async function main() {
  setupControls();
  room = openRoom(number, hooks);
  // Reactions from this phone; frames reach engage through room.js's hub:frame events.
  const engage = mountEngage({ number, send: (frame) => room.send(frame), bar: $("reactions"), follow: true });
  // A handle for tests and debugging: drop the connection as a network failure would.
  window.hubMeeting = { drop: () => room.drop(), state, room };
  try {
    await room.ready;
  } catch (error) {
    if (error.status === 401) return void (location.href = `/login?next=${encodeURIComponent(location.pathname)}`);
    if (error.status === 404) return fatal("meeting.not_found");
    if (error.status === 409) return fatal("meeting.ended");
    showError(error);
    return fatal("meeting.forbidden");
  }
  historyRead();
  wireDanmaku(engage);
  list.scrollTop = list.scrollHeight;
  if (!state.ended) maybeAskName(document.querySelector(".meeting-grid"));
}

main();
