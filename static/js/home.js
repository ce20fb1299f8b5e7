// Home: live-room cards (refreshed on `live` events), join by number, create a meeting.
import { api, avatar, config, el, formatTime, reconnectingSocket, showError, t, toast } from "./common.js";

const PAGE_SIZE = 100;
const MAX_PAGES = 5;
const roomsBox = document.getElementById("rooms");
const updated = document.getElementById("rooms-updated");

/** Only http(s) links from WeChat data become hrefs (never javascript: or data:). */
function safeUrl(raw) {
  try {
    const url = new URL(raw, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

async function fetchRooms() {
  const rooms = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const body = await api("GET", `/api/live/rooms?page=${page}&page_size=${PAGE_SIZE}`);
    rooms.push(...(body.rooms ?? []));
    if (rooms.length >= (body.total ?? 0) || (body.rooms ?? []).length < PAGE_SIZE) break;
  }
  // Live rooms first, then pinned ones; otherwise the server's order (newest first).
  const rank = (room) => (room.live_status === 101 ? 0 : room.is_top ? 1 : 2);
  return rooms.map((room, i) => [rank(room), i, room]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
}

function roomCard(room) {
  const status = Number(room.live_status);
  const cover = el("img", { src: safeUrl(room.cover_img) ?? config.defaultAnchor, alt: "", loading: "lazy" });
  const when = status === 102 ? "home.starts" : "home.started";
  const replays = (room.live_replay ?? [])
    .map((item, i) => [safeUrl(item.media_url), i])
    .filter(([href]) => href)
    .map(([href, i]) => el("a", { href, target: "_blank", rel: "noopener noreferrer", text: t("home.replay", { n: i + 1 }) }));
  const anchorImg = avatar({ avatar: safeUrl(room.anchor_img) ?? config.defaultAnchor }, "avatar sm");
  return el(
    "article",
    { class: `room-card s${status}`, dataset: { roomid: room.roomid } },
    el(
      "div",
      { class: "room-cover" },
      cover,
      el("span", { class: `badge s${status}`, text: t(`status.${status}`) }),
      room.is_top ? el("span", { class: "badge pin", text: t("home.pinned") }) : null,
    ),
    el(
      "div",
      { class: "room-body" },
      el("h3", { text: room.name, title: room.name }),
      el("div", { class: "anchor" }, anchorImg, el("span", { text: room.anchor_name || "—" })),
      el(
        "div",
        { class: "room-meta" },
        el("span", { text: t(when, { time: formatTime(room.start_time) }) }),
        el("span", { text: t("home.goods", { n: (room.goods ?? []).length }) }),
      ),
      replays.length ? el("div", { class: "replays" }, replays) : null,
    ),
  );
}

let loading = null;
let again = false;
async function loadRooms() {
  // An event during a load may describe newer data than the load will see: load once more.
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    try {
      const rooms = await fetchRooms();
      roomsBox.replaceChildren(...(rooms.length ? rooms.map(roomCard) : [el("p", { class: "muted", text: t("home.no_rooms") })]));
      roomsBox.setAttribute("aria-busy", "false");
      roomsBox.dataset.count = String(rooms.length);
    } catch (error) {
      showError(error);
    } finally {
      loading = null;
      if (again) {
        again = false;
        loadRooms();
      }
    }
  })();
  return loading;
}

let refreshTimer = null;
function onLiveEvent() {
  // Several events can arrive together (sync, then pins): reload once.
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    await loadRooms();
    updated.textContent = `${t("home.updated")} · ${formatTime(new Date(), { timeStyle: "medium" })}`;
    updated.hidden = false;
  }, 250);
}

function setupJoin() {
  const form = document.getElementById("join-form");
  const input = document.getElementById("join-number");
  input.addEventListener("input", () => { input.value = input.value.replace(/\D/g, "").slice(0, 5); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const number = input.value.trim();
    if (!/^\d{5}$/.test(number)) {
      toast(t("home.join_invalid"), "error");
      input.focus();
      return;
    }
    location.href = `/m/${number}`;
  });
}

function setupCreate() {
  const form = document.getElementById("create-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const meeting = await api("POST", "/api/meetings", { title: document.getElementById("create-title").value.trim() });
      location.href = `/m/${meeting.number}`;
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  });
}

setupJoin();
setupCreate();
loadRooms();
// Reconnecting also reloads: events may have been missed while the socket was down.
let connectedOnce = false;
reconnectingSocket(() => "/ws/live", {
  onMessage: (frame) => { if (frame.type === "live") onLiveEvent(); },
  onOpen: () => { if (connectedOnce) onLiveEvent(); connectedOnce = true; },
});
