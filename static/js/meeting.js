// The meeting room: chat with history and resume, online list, invite QR, activities, organizer tools.
// The wire (load, join, history, socket, resume, ended) is room.js, shared with the screen.
import { Board } from "./activities/board.js";
import { api, avatar, config, el, formatTime, randomId, showError, t, toast } from "./common.js";
import { openRoom } from "./room.js";

const number = config.number;
const me = config.user;
const HISTORY = 50;
const $ = (id) => document.getElementById(id);
const state = { meeting: null, pending: new Map(), ended: false, attendees: new Map() };
const activities = new Board($("activities"), { number, me });
let room = null;

/** Show a problem that stops the room (unknown number, not allowed) instead of the room. */
function fatal(messageKey) {
  document.querySelector(".meeting-grid")?.remove();
  $("conn").hidden = true;
  const card = el("section", { class: "card narrow center", id: "meeting-error" },
    el("h2", { text: t(messageKey) }), el("a", { class: "btn", href: "/", text: t("common.back_home") }));
  document.querySelector("main").append(card);
}

function personItem(user, online) {
  const tags = [];
  if (user.id === state.meeting?.organizer?.id) tags.push(el("span", { class: "tag", text: t("meeting.organizer_badge") }));
  if (user.id === me?.id) tags.push(el("span", { class: "tag", text: t("meeting.you") }));
  return el("li", { dataset: { userId: user.id } }, avatar(user, "avatar sm"), el("span", { text: user.name }), ...tags,
    online ? el("span", { class: "dot", "aria-hidden": "true" }) : null);
}

function renderOnline(users) {
  $("online-title").textContent = t("meeting.online", { n: users.length });
  $("online").replaceChildren(...users.map((u) => personItem(u, true)));
}

function renderAttendees() {
  const users = [...state.attendees.values()];
  $("attendees-title").textContent = t("meeting.attendees", { n: users.length });
  $("attendees").replaceChildren(...users.map((u) => personItem(u, false)));
}

function renderMeeting(m) {
  state.meeting = m;
  const organizer = m.organizer?.id === me?.id;
  $("meeting-title").textContent = m.title;
  document.title = `${m.title} · ${number}`;
  $("meeting-organizer").textContent = m.organizer ? `· ${t("meeting.organizer", { name: m.organizer.name })}` : "";
  if (m.qr_png_url) $("qr").src = m.qr_png_url;
  $("join-url").value = m.join_url ?? location.href;
  for (const id of ["end-meeting", "export-card", "organizer-tools"]) $(id).hidden = !organizer;
  state.attendees = new Map((m.attendees ?? []).map((u) => [u.id, u]));
  renderAttendees();
  renderOnline(m.online ?? []);
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
  input.focus();
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
  onPresence: renderOnline,
  onEnded: () => setEnded(true),
  // After any outage the room re-reads what changed in the activities (frames may have been lost).
  cursor: () => activities.cursor(),
  onCatchUp: (answer) => activities.catchUp(answer.activities),
  onActivity(frame) {
    if (frame.kind !== "meeting") return activities.applyFrame(frame);
    const joined = frame.data?.joined;
    if (joined) {
      state.attendees.set(joined.id, joined);
      renderAttendees();
    }
  },
};

function setupControls() {
  $("chat-form").addEventListener("submit", sendChat);
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
}

async function main() {
  setupControls();
  room = openRoom(number, hooks);
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
  list.scrollTop = list.scrollHeight;
}

main();
