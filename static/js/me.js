// My meetings: the ones I organize or joined, newest first, a page at a time, each with its role,
// status, date and a link to its record (results and exports stay there after the end).
import { ApiError, api, config, el, showError, t, withZone } from "./common.js";

const list = document.getElementById("my-meetings");
const more = document.getElementById("me-more");
let shown = 0;
let next = 1;

/** A page of meetings: GET /api/me/meetings?page=N; a hub without it answers GET /api/meetings. */
async function fetchPage(page) {
  try {
    return await api("GET", `/api/me/meetings?page=${page}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404 || page > 1) throw error;
    const all = await api("GET", "/api/meetings");
    return { meetings: all.meetings, total: all.meetings.length };
  }
}

function row(m) {
  const role = m.role ?? (m.organizer?.id === config.user?.id ? "organizer" : "attendee");
  const status = m.status ?? (m.ended_at ? "ended" : "live");
  const href = m.record_url ?? m.url ?? `/m/${m.number}`;
  return el("li", { dataset: { number: m.number, role, status } },
    el("a", { class: "title", href, text: m.title }),
    el("span", { class: "muted", text: t("me.number", { number: m.number }) }),
    el("span", { class: "tag", text: t(`me.role_${role}`) }),
    el("span", { class: `status-${status}`, text: t(`me.status_${status}`) }),
    el("time", { datetime: m.created_at, text: withZone(m.created_at) }));
}

async function load() {
  more.disabled = true;
  try {
    const page = await fetchPage(next);
    if (next === 1) list.replaceChildren();
    next += 1;
    list.append(...page.meetings.map(row));
    shown += page.meetings.length;
    const total = page.total ?? shown;
    document.getElementById("me-total").textContent = t("me.total", { n: total });
    if (!total) list.replaceChildren(el("li", { class: "muted", text: t("me.none") }));
    more.hidden = shown >= total || !page.meetings.length;
  } catch (error) {
    showError(error);
  } finally {
    list.removeAttribute("aria-busy");
    more.disabled = false;
  }
}

more.addEventListener("click", load);
load();
