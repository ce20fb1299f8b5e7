// Home: live rooms (server-rendered, then searched, filtered and paged in place with the URL kept
// in step; refreshed on `live` events), join by number, create a meeting.
import { BEIJING, api, avatar, config, el, formatTime, reconnectingSocket, showError, t, toast } from "./common.js";

const PAGE_SIZE = 20;
const roomsBox = document.getElementById("rooms");
const updated = document.getElementById("rooms-updated");

/** Only http(s) links from WeChat data become URLs (never javascript: or data:). */
function safeUrl(raw) {
  try {
    const url = new URL(raw, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The view the URL names: search, status filter ("" all, a status, "replay"), page. */
function viewFromUrl() {
  const query = new URLSearchParams(location.search);
  const page = Number.parseInt(query.get("page") ?? "1", 10);
  return { q: (query.get("q") ?? "").trim(), status: query.get("status") ?? "", page: page > 0 ? page : 1 };
}

function homeUrl(view) {
  const query = new URLSearchParams();
  if (view.q) query.set("q", view.q);
  if (view.status) query.set("status", view.status);
  if (view.page > 1) query.set("page", String(view.page));
  const text = query.toString();
  return text ? `/?${text}` : "/";
}

function roomCard(room) {
  const status = Number(room.live_status);
  const cover = el("img", { src: safeUrl(room.cover_img) ?? config.defaultAnchor, alt: "", loading: "lazy" });
  const anchorImg = avatar({ avatar: safeUrl(room.anchor_img) ?? config.defaultAnchor }, "avatar sm");
  return el(
    "a",
    { class: `room-card s${status}`, href: `/live/rooms/${Number(room.roomid)}`, dataset: { roomid: room.roomid } },
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
        el("span", { text: t("home.starts", { time: formatTime(room.start_time, undefined, BEIJING) }) }),
        el("span", { text: t("home.goods", { n: (room.goods ?? []).length }) }),
        (room.live_replay ?? []).length ? el("span", { class: "has-replay", text: t("home.has_replay") }) : null,
      ),
    ),
  );
}

function showListing(view, body) {
  const rooms = body.rooms ?? [];
  const empty = t(view.q || view.status ? "home.no_match" : "home.no_rooms");
  roomsBox.replaceChildren(...(rooms.length ? rooms.map(roomCard) : [el("p", { class: "muted", text: empty })]));
  roomsBox.dataset.count = String(rooms.length);
  const counts = body.counts ?? {};
  const all = Object.entries(counts).filter(([key]) => key !== "replay").reduce((sum, [, n]) => sum + n, 0);
  for (const chip of document.querySelectorAll("#rooms-filters .chip")) {
    const value = chip.dataset.status;
    chip.querySelector(".chip-count").textContent = String(value ? counts[value] ?? 0 : all);
    chip.classList.toggle("active", value === view.status);
    chip.href = homeUrl({ ...view, status: value, page: 1 });
    if (value === view.status) chip.setAttribute("aria-current", "true");
    else chip.removeAttribute("aria-current");
  }
  const total = body.total ?? 0;
  const first = Math.min(total, (view.page - 1) * PAGE_SIZE + 1);
  const last = Math.min(total, view.page * PAGE_SIZE);
  document.getElementById("rooms-shown").textContent = total ? t("home.shown", { first, last, total }) : "";
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  document.getElementById("rooms-page").textContent = t("home.page", { page: view.page, pages });
  const prev = document.getElementById("rooms-prev");
  const next = document.getElementById("rooms-next");
  prev.hidden = view.page <= 1;
  prev.href = homeUrl({ ...view, page: view.page - 1 });
  next.hidden = view.page >= pages;
  next.href = homeUrl({ ...view, page: view.page + 1 });
  document.getElementById("rooms-q").value = view.q;
  roomsBox.dataset.q = view.q;
  roomsBox.dataset.status = view.status;
  roomsBox.dataset.page = String(view.page);
}

let loading = null;
let again = false;
/** Show the view the URL names; the server answers 304 when nothing changed since last time. */
async function loadRooms() {
  // An event during a load may describe newer data than the load will see: load once more.
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    const view = viewFromUrl();
    const query = new URLSearchParams({ page: String(view.page), page_size: String(PAGE_SIZE) });
    if (view.q) query.set("q", view.q);
    if (view.status) query.set("status", view.status);
    roomsBox.setAttribute("aria-busy", "true");
    try {
      showListing(view, await api("GET", `/api/live/rooms?${query}`));
    } catch (error) {
      showError(error);
    } finally {
      roomsBox.setAttribute("aria-busy", "false");
      loading = null;
      if (again) {
        again = false;
        loadRooms();
      }
    }
  })();
  return loading;
}

/** Go to another view in place: the URL changes (shareable, kept on refresh), the page stays. */
function go(url) {
  history.pushState(null, "", url);
  loadRooms();
}

function setupRooms() {
  document.getElementById("rooms-search").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = document.getElementById("rooms-q").value.trim().slice(0, 100);
    go(homeUrl({ ...viewFromUrl(), q, page: 1 }));
  });
  for (const id of ["rooms-filters", "rooms-pager"]) {
    document.getElementById(id).addEventListener("click", (event) => {
      const link = event.target.closest("a[href]");
      if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      go(link.getAttribute("href"));
    });
  }
  window.addEventListener("popstate", () => loadRooms());
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
    // The meeting page sends it with its join; a meeting without one ignores it.
    const passcode = document.getElementById("join-passcode").value.trim();
    if (passcode) sessionStorage.setItem(`hub:passcode:${number}`, passcode);
    else sessionStorage.removeItem(`hub:passcode:${number}`);
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
setupRooms();
// Reconnecting also reloads: events may have been missed while the socket was down.
let connectedOnce = false;
reconnectingSocket(() => "/ws/live", {
  onMessage: (frame) => { if (frame.type === "live") onLiveEvent(); },
  onOpen: () => { if (connectedOnce) onLiveEvent(); connectedOnce = true; },
});
