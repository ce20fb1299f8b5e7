// The meeting room: chat with history and resume, online list, invite QR, activities, organizer tools.
import { Activities } from "./activities.js";
import { api, avatar, config, el, formatTime, randomId, reconnectingSocket, showError, t, toast } from "./common.js";

const number = config.number;
const me = config.user;
const HISTORY = 50;
const $ = (id) => document.getElementById(id);
const state = { meeting: null, lastSeq: 0, seen: new Set(), pending: new Map(), ended: false, attendees: new Map() };
const activities = new Activities($("activities"), { number, me });
let socket = null;

/** Show a problem that stops the room (unknown number, not allowed) instead of the room. */
function fatal(messageKey) {
  document.querySelector(".meeting-grid")?.remove();
  $("conn").hidden = true;
  const card = el("section", { class: "card narrow center", id: "meeting-error" },
    el("h2", { text: t(messageKey) }), el("a", { class: "btn", href: "/", text: t("common.back_home") }));
  document.querySelector("main").append(card);
}

async function loadMeeting() {
  try {
    return await api("GET", `/api/meetings/${number}`);
  } catch (error) {
    if (error.status !== 403) throw error;
  }
  // Not an attendee yet: opening the link is how people join.
  const meeting = await api("POST", `/api/meetings/${number}/join`);
  toast(t("meeting.joined"), "ok");
  return meeting;
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
  $("chat-input").disabled = ended || !socket?.open;
  $("chat-send").disabled = $("chat-input").disabled;
  if (ended) {
    $("end-meeting").hidden = true;
    $("organizer-tools").hidden = true;
    socket?.stop();
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

function addMessage(msg) {
  if (typeof msg.seq !== "number" || state.seen.has(msg.seq)) return;
  state.seen.add(msg.seq);
  state.lastSeq = Math.max(state.lastSeq, msg.seq);
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

async function loadHistory() {
  // The latest messages: ask where the end is, then read the last page up to it.
  const head = await api("GET", `/api/meetings/${number}/messages?limit=1`);
  const after = Math.max(0, (head.last_seq ?? 0) - HISTORY);
  const page = await api("GET", `/api/meetings/${number}/messages?after=${after}&limit=${HISTORY}`);
  for (const msg of page.messages ?? []) addMessage(msg);
  state.lastSeq = Math.max(state.lastSeq, after);
  list.scrollTop = list.scrollHeight;
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
  socket.send(frame); // if the socket is down, the frame is resent after the next hello
  input.value = "";
  input.focus();
}

// ---- realtime ----
const handlers = {
  hello() {
    setConn("open", t("meeting.online_status"));
    setEnded(state.ended);
    // client_id makes resends idempotent: anything unconfirmed goes again.
    for (const { frame } of state.pending.values()) socket.send(frame);
  },
  chat: addMessage,
  presence: (frame) => renderOnline(frame.online ?? []),
  error: (frame) => toast(frame.message ?? t("common.error"), "error"),
  activity(frame) {
    if (frame.kind !== "meeting") return activities.applyFrame(frame);
    if (frame.event === "ended") setEnded(true);
    const joined = frame.data?.joined;
    if (joined) {
      state.attendees.set(joined.id, joined);
      renderAttendees();
    }
  },
};

function connect() {
  socket = reconnectingSocket(() => `/ws/meetings/${number}?after=${state.lastSeq}`, {
    onMessage: (frame) => handlers[frame.type]?.(frame),
    onClose: async () => {
      if (state.ended) return;
      setConn("lost", t("meeting.reconnecting"));
      $("chat-input").disabled = true;
      $("chat-send").disabled = true;
      // The server refuses an ended meeting before the upgrade; find out instead of retrying forever.
      try {
        const m = await api("GET", `/api/meetings/${number}`);
        if (m.ended_at) setEnded(true);
      } catch {
        /* offline: keep retrying */
      }
    },
  });
  // A handle for tests and debugging: drop the connection as a network failure would.
  window.hubMeeting = { drop: () => socket.drop(), state };
}

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
  let meeting;
  try {
    meeting = await loadMeeting();
  } catch (error) {
    if (error.status === 401) return void (location.href = `/login?next=${encodeURIComponent(location.pathname)}`);
    if (error.status === 404) return fatal("meeting.not_found");
    if (error.status === 409) return fatal("meeting.ended");
    showError(error);
    return fatal("meeting.forbidden");
  }
  renderMeeting(meeting);
  try {
    await loadHistory();
  } catch (error) {
    showError(error);
  }
  if (!state.ended) connect();
}

main();
