// The attendee list of a big meeting: the total, search by name, pages of a few dozen, each with
// the time they joined (签到). Never every row at once: 2,000 people would make the page miles long.
import { avatar, el, formatTime, t, withZone } from "./common.js";

// Fewer rows on a phone: the whole organizer page must stay under three screens at 2,000.
const PAGE = matchMedia("(max-width: 520px)").matches ? 6 : 24;

/** When the person joined (签到), under the name: the hour only (the note above the list says what
 * these times are and their zone), the date and the zone on hover, the exact time in `datetime`. */
function joinedAt(user) {
  if (!user.joined_at) return null;
  return el("time", { class: "joined", datetime: user.joined_at, title: t("meeting.joined_at", { time: withZone(user.joined_at) }),
    text: formatTime(user.joined_at, { timeStyle: "short" }) });
}

export class People {
  /** `list`, `title`, `search`, `pager`: the elements; `tags(user)`: badges for a person. */
  constructor({ list, title, search, pager }, tags) {
    Object.assign(this, { list, title, search, pager, tags });
    this.users = new Map();
    this.page = 0;
    search.addEventListener("input", () => { this.page = 0; this.render(); });
  }

  setAll(users) {
    this.users = new Map(users.map((u) => [u.id, u]));
    this.render();
  }

  add(user) {
    this.users.set(user.id, { ...this.users.get(user.id), ...user });
    this.render();
  }

  rename(user) {
    if (this.users.has(user.id)) this.add(user);
  }

  matching() {
    const words = this.search.value.trim().toLowerCase();
    const all = [...this.users.values()];
    return words ? all.filter((u) => `${u.name} ${u.userid ?? ""}`.toLowerCase().includes(words)) : all;
  }

  render() {
    const found = this.matching();
    const pages = Math.max(1, Math.ceil(found.length / PAGE));
    this.page = Math.min(this.page, pages - 1);
    this.title.textContent = t("meeting.attendees", { n: this.users.size });
    this.title.dataset.total = String(this.users.size);
    const rows = found.slice(this.page * PAGE, (this.page + 1) * PAGE).map((u) =>
      el("li", { dataset: { userId: u.id } }, avatar(u, "avatar sm"),
        el("div", { class: "who" }, el("div", { class: "name-line" }, el("span", { class: "name", text: u.name }), ...this.tags(u)), joinedAt(u))));
    this.list.replaceChildren(...(rows.length ? rows : [el("li", { class: "muted", text: t("meeting.no_match") })]));
    this.renderPager(pages);
  }

  renderPager(pages) {
    const go = (to) => () => { this.page = to; this.render(); };
    this.pager.hidden = pages < 2;
    this.pager.replaceChildren(
      el("button", { type: "button", class: "btn ghost small", text: t("meeting.prev"), disabled: this.page === 0, on: { click: go(this.page - 1) } }),
      el("span", { text: t("meeting.page_of", { page: this.page + 1, pages }) }),
      el("button", { type: "button", class: "btn ghost small", text: t("meeting.next"), disabled: this.page >= pages - 1, on: { click: go(this.page + 1) } }));
  }
}
