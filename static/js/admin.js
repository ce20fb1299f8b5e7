// Admin: sync runs, today's quota (list and replay calls apart), token expiry, sync now, pin/unpin;
// every meeting, and ending any live one.
import { api, config, el, formatTime, reconnectingSocket, showError, t, toast } from "./common.js";

const $ = (id) => document.getElementById(id);

function kv(box, pairs) {
  box.replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
}

function duration(run) {
  const ms = new Date(run.finished_at) - new Date(run.started_at);
  if (!Number.isFinite(ms)) return "—";
  // Run times are stored to the second.
  return ms < 1000 ? "< 1 s" : `${Math.round(ms / 1000)} s`;
}

function renderStatus(status) {
  const last = status.runs?.[0];
  const lastBox = $("last-sync");
  if (last) {
    lastBox.textContent = `${formatTime(last.started_at, { dateStyle: "short", timeStyle: "medium" })}`;
    lastBox.className = `stat-value ${last.ok ? "ok" : "bad"}`;
    $("last-sync-detail").textContent = last.ok
      ? `${t("admin.ok")} · ${t("admin.seen")} ${last.seen} · ${t("admin.upserted")} ${last.upserted} · ${t("admin.deleted")} ${last.deleted}`
      : `${t("admin.failed")}: ${last.error ?? ""}`;
  } else {
    lastBox.textContent = t("admin.no_runs");
  }
  $("next-run").textContent = status.sync_enabled === false ? "—" : formatTime(status.next_run_at, { dateStyle: "short", timeStyle: "medium" });
  const q = status.quota ?? {};
  kv($("quota"), [
    [t("admin.quota_used"), `${q.used ?? 0} / ${q.budget ?? 0}`],
    [t("admin.quota_left"), String(q.left ?? 0)],
    [t("admin.list_calls"), String(q.list_calls ?? 0)],
    [t("admin.replay_calls"), String(q.replay_calls ?? 0)],
  ]);
  $("quota-bar").style.width = `${Math.min(100, (100 * (q.used ?? 0)) / Math.max(1, q.budget ?? 1))}%`;
  const tokens = Object.entries(status.tokens ?? {});
  const short = { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" };
  kv($("tokens"), tokens.flatMap(([kind, tok]) => [
    [kind, `${t("admin.token_expires")} ${formatTime(tok.expires_at, short)}`],
    ["", `${t("admin.token_refreshed")} ${formatTime(tok.last_refresh, short)}`],
    ...(tok.last_error ? [[t("admin.token_error"), String(tok.last_error)]] : []),
  ]));
  const rows = (status.runs ?? []).map((run) => el("tr", { dataset: { runId: run.id } },
    el("td", { text: formatTime(run.started_at, { dateStyle: "short", timeStyle: "medium" }) }),
    el("td", { class: run.ok ? "ok-text" : "bad-text", text: run.ok ? t("admin.ok") : `${t("admin.failed")}: ${run.error ?? ""}` }),
    el("td", { text: duration(run) }),
    ...[run.seen, run.upserted, run.deleted, run.list_calls, run.replay_calls].map((n) => el("td", { text: String(n ?? 0) }))));
  $("runs").tBodies[0].replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: "8", class: "muted", text: t("admin.no_runs") }))]));
}

function roomRow(room) {
  const pinned = Boolean(room.is_top);
  const button = el("button", { type: "button", class: `btn small ${pinned ? "ghost" : ""}`, text: pinned ? t("admin.unpin") : t("admin.pin") });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("PUT", `/api/admin/live/rooms/${room.roomid}/pin`, { is_top: pinned ? 0 : 1 });
      toast(pinned ? t("admin.unpinned") : t("admin.pinned"), "ok");
      await loadRooms();
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  });
  const img = el("img", { src: room.cover_img || config.defaultAnchor, alt: "", loading: "lazy" });
  return el("tr", { dataset: { roomid: room.roomid } },
    el("td", {}, el("div", { class: "room-cell" }, img, el("span", { text: `${room.name} (#${room.roomid})` }),
      pinned ? el("span", { class: "tag", text: t("home.pinned") }) : null)),
    el("td", { text: t(`status.${room.live_status}`) }),
    el("td", {}, button));
}

async function loadStatus() {
  try {
    renderStatus(await api("GET", "/api/admin/live/status"));
  } catch (error) {
    showError(error);
  }
}

// Rooms: searched by name or anchor and paged, so any of 10,000 can be pinned.
const ROOMS_PAGE_SIZE = 50;
const roomsView = { q: "", page: 1, pages: 1 };

async function loadRooms() {
  const query = new URLSearchParams({ page: String(roomsView.page), page_size: String(ROOMS_PAGE_SIZE) });
  if (roomsView.q) query.set("q", roomsView.q);
  try {
    const body = await api("GET", `/api/live/rooms?${query}`);
    $("admin-rooms").tBodies[0].replaceChildren(...(body.rooms ?? []).map(roomRow));
    const total = body.total ?? 0;
    roomsView.pages = Math.max(1, Math.ceil(total / ROOMS_PAGE_SIZE));
    const first = Math.min(total, (roomsView.page - 1) * ROOMS_PAGE_SIZE + 1);
    const last = Math.min(total, roomsView.page * ROOMS_PAGE_SIZE);
    $("admin-rooms-page").textContent = t("home.shown", { first, last, total });
    $("admin-rooms-prev").disabled = roomsView.page <= 1;
    $("admin-rooms-next").disabled = roomsView.page >= roomsView.pages;
  } catch (error) {
    showError(error);
  }
}

$("admin-rooms-search").addEventListener("submit", (event) => {
  event.preventDefault();
  roomsView.q = $("admin-rooms-q").value.trim().slice(0, 100);
  roomsView.page = 1;
  loadRooms();
});
$("admin-rooms-prev").addEventListener("click", () => {
  roomsView.page = Math.max(1, roomsView.page - 1);
  loadRooms();
});
$("admin-rooms-next").addEventListener("click", () => {
  roomsView.page = Math.min(roomsView.pages, roomsView.page + 1);
  loadRooms();
});

$("sync-now").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    const result = await api("POST", "/api/admin/live/sync");
    if (result.ok) toast(t("admin.sync_done"), "ok");
    else toast(t("admin.sync_failed", { error: result.run?.error ?? "" }), "error");
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    await Promise.all([loadStatus(), loadRooms()]);
  }
});

// Meetings: every meeting, newest first; an admin can end any live one (its number is freed).
const meetings = { status: "live", page: 1, pages: 1 };

function meetingRow(meeting) {
  const cells = [
    el("td", { text: meeting.number }),
    el("td", { text: meeting.title }),
    el("td", { text: meeting.organizer?.name ?? "—" }),
    el("td", { text: formatTime(meeting.created_at, { dateStyle: "short", timeStyle: "short" }) }),
    el("td", { text: meeting.active ? t("admin.meetings_live") : t("admin.meetings_ended") }),
  ];
  const action = el("td");
  if (meeting.active) {
    const button = el("button", { type: "button", class: "btn small danger", text: t("admin.end_meeting") });
    // Two clicks instead of a confirm() dialog, as on the meeting page.
    button.addEventListener("click", async () => {
      if (!button.dataset.armed) {
        button.dataset.armed = "1";
        button.textContent = t("admin.end_meeting_confirm", { number: meeting.number });
        return;
      }
      button.disabled = true;
      try {
        await api("POST", `/api/admin/meetings/${meeting.number}/end`);
        toast(t("admin.meeting_ended", { number: meeting.number }), "ok");
        await loadMeetings();
      } catch (error) {
        showError(error);
        button.disabled = false;
      }
    });
    action.append(button);
  }
  return el("tr", { dataset: { number: meeting.number } }, ...cells, action);
}

async function loadMeetings() {
  try {
    const body = await api("GET", `/api/admin/meetings?status=${meetings.status}&page=${meetings.page}`);
    meetings.pages = Math.max(1, Math.ceil(body.total / body.page_size));
    const rows = body.meetings.map(meetingRow);
    $("admin-meetings").tBodies[0].replaceChildren(...(rows.length ? rows
      : [el("tr", {}, el("td", { colspan: "6", class: "muted", text: t("admin.no_meetings") }))]));
    $("meetings-pool").textContent = t("admin.meetings_pool", { open: body.open, pool: body.pool });
    $("meetings-page").textContent = `${meetings.page} / ${meetings.pages}`;
    $("meetings-prev").disabled = meetings.page <= 1;
    $("meetings-next").disabled = meetings.page >= meetings.pages;
  } catch (error) {
    showError(error);
  }
}

$("meetings-status").addEventListener("change", (event) => {
  meetings.status = event.currentTarget.value;
  meetings.page = 1;
  loadMeetings();
});
$("meetings-prev").addEventListener("click", () => { meetings.page -= 1; loadMeetings(); });
$("meetings-next").addEventListener("click", () => { meetings.page += 1; loadMeetings(); });

loadStatus();
loadRooms();
loadMeetings();
let timer = null;
reconnectingSocket(() => "/ws/live", {
  onMessage: () => {
    clearTimeout(timer);
    timer = setTimeout(() => { loadStatus(); loadRooms(); }, 250);
  },
});
