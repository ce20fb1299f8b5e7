// The activities panel: polls, lotteries, ratings and red packets, updated live from `activity` frames.
import { api, avatar, el, showError, t, toast, yuan } from "./common.js";

const PLURAL = { poll: "polls", lottery: "lotteries", rating: "ratings", redpacket: "redpackets" };
const KINDS = Object.keys(PLURAL);
const MINE = ["my_vote", "my_score", "my_claim"];

export class Activities {
  /** `stage`: show only the activity touched last, read-only (the projector view). */
  constructor(box, { number, me, stage = false }) {
    Object.assign(this, { box, number, me, stage, organizer: false, ended: false });
    this.items = new Map(); // "kind:id" -> {kind, data, touched}
    this.cards = new Map(); // "kind:id" -> element
    this.clock = 0;
  }

  /** Replace everything with the `activities` object of GET /api/meetings/{n}. */
  setAll(activities) {
    this.items.clear();
    for (const kind of KINDS) {
      for (const data of activities?.[PLURAL[kind]] ?? []) this.items.set(`${kind}:${data.id}`, { kind, data, touched: 0 });
    }
    this.renderAll();
  }

  setRole({ organizer, ended }) {
    this.organizer = Boolean(organizer);
    this.ended = Boolean(ended);
    this.renderAll();
  }

  /** An `activity` frame: broadcasts carry no per-viewer fields, so ours are kept. */
  applyFrame(frame) {
    if (!KINDS.includes(frame.kind) || !frame.data || frame.data.id === undefined) return;
    const key = `${frame.kind}:${frame.data.id}`;
    const old = this.items.get(key)?.data;
    const data = { ...frame.data };
    for (const field of MINE) {
      if (old) data[field] = old[field];
      else delete data[field];
    }
    // A late frame must not undo a newer answer: every change raises the activity's version.
    if (old && typeof old.version === "number" && typeof data.version === "number" && data.version < old.version) return;
    this.put(frame.kind, data);
  }

  /** Our own action's answer: the full object, per-viewer fields included. */
  put(kind, data) {
    const key = `${kind}:${data.id}`;
    const old = this.items.get(key)?.data ?? {};
    let merged = { ...old, ...data };
    if (typeof old.version === "number" && typeof data.version === "number" && data.version < old.version) {
      // A frame already showed a newer state: take only our own fields from this answer.
      merged = { ...old };
      for (const field of MINE) if (field in data) merged[field] = data[field];
    }
    this.items.set(key, { kind, data: merged, touched: ++this.clock });
    this.renderOne(key);
  }

  sorted() {
    const entries = [...this.items.entries()];
    if (this.stage) return entries.sort((a, b) => b[1].touched - a[1].touched || b[1].data.id - a[1].data.id).slice(0, 1);
    const open = (d) => (d.status === "open" ? 0 : 1);
    return entries.sort((a, b) => open(a[1].data) - open(b[1].data) || b[1].data.id - a[1].data.id || (a[0] < b[0] ? -1 : 1));
  }

  renderAll() {
    const previous = this.cards;
    this.cards = new Map();
    const cards = this.sorted().map(([key, item]) => this.card(key, item, previous.get(key)));
    const empty = el("p", { class: "muted" + (this.stage ? " big" : ""), id: "no-activities", text: t(this.stage ? "screen.waiting" : "act.none") });
    this.box.replaceChildren(...(cards.length ? cards : [empty]));
  }

  renderOne(key) {
    const old = this.cards.get(key);
    if (!old || this.stage) return this.renderAll();
    const fresh = this.card(key, this.items.get(key), old);
    old.replaceWith(fresh);
  }

  card(key, { kind, data }, previous) {
    const node = el(
      "article",
      { class: `activity ${kind}-card`, dataset: { kind, id: data.id, status: data.status } },
      el("header", {}, el("span", { class: `kind ${kind}`, text: t(`${kind}.kind`) }),
        el("h3", { text: data.question ?? data.title ?? data.subject ?? `¥${yuan(data.total_cents)}` }),
        el("span", { class: `state ${data.status}`, text: t(data.status === "open" ? "act.open" : "act.closed") })),
      ...this[kind](data),
    );
    // Bars start where they were and glide to the new value.
    for (const bar of node.querySelectorAll(".bar > span[data-key]")) {
      const before = previous?.querySelector(`.bar > span[data-key="${bar.dataset.key}"]`)?.style.width;
      const target = bar.dataset.width;
      bar.style.width = before ?? "0%";
      requestAnimationFrame(() => requestAnimationFrame(() => { bar.style.width = target; }));
    }
    this.cards.set(key, node);
    return node;
  }

  bar(key, fraction) {
    const width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 1000) / 10}%`;
    return el("div", { class: "bar" }, el("span", { dataset: { key, width } }));
  }

  canAct(data) {
    return !this.stage && !this.ended && data.status === "open";
  }

  action(label, cls, fn) {
    return el("button", { type: "button", class: `btn small ${cls}`, text: label, on: { click: async (ev) => {
      const button = ev.currentTarget;
      button.disabled = true;
      try { await fn(); } catch (error) { this.fail(error); } finally { button.disabled = false; }
    } } });
  }

  fail(error) {
    if (error.status === 410) toast(t("redpacket.gone"), "error");
    else showError(error);
  }

  async post(url, body, kind) {
    const data = await api("POST", url, body);
    if (kind) this.put(kind, data);
    return data;
  }

  poll(data) {
    const mine = new Set(data.my_vote ?? []);
    const voting = this.canAct(data) && mine.size === 0;
    const total = Math.max(1, data.total_votes ?? 0);
    const rows = (data.options ?? []).map((opt) => {
      const input = voting ? el("input", { type: data.multi ? "checkbox" : "radio", name: `poll-${data.id}`, value: String(opt.id) }) : null;
      const shown = opt.votes !== null && opt.votes !== undefined;
      return el("div", { class: `option${mine.has(opt.id) ? " mine" : ""}`, dataset: { optionId: opt.id } },
        el("div", { class: "option-label" }, el("label", {}, input, el("span", { text: opt.label })),
          shown ? el("span", { class: "votes", text: t("poll.votes", { n: opt.votes }) }, data.total_votes ? el("span", { class: "pct", text: ` · ${Math.round((100 * opt.votes) / total)}%` }) : null) : null),
        shown ? this.bar(`o${opt.id}`, opt.votes / total) : null);
    });
    const hidden = (data.options ?? []).some((o) => o.votes === null);
    const actions = [];
    if (voting) {
      actions.push(this.action(t("poll.vote"), "vote", async () => {
        const ids = [...this.box.querySelectorAll(`input[name="poll-${data.id}"]:checked`)].map((i) => Number(i.value));
        if (!ids.length) return toast(t("poll.pick"), "error");
        await this.post(`/api/polls/${data.id}/vote`, { option_ids: ids }, "poll");
      }));
    }
    if (this.organizer && this.canAct(data)) actions.push(this.action(t("poll.close"), "ghost close", () => this.post(`/api/polls/${data.id}/close`, {}, "poll")));
    return [...rows,
      el("div", { class: "actions" },
        el("span", { class: "muted total", text: hidden ? t("poll.hidden") : t("poll.total", { n: data.total_votes ?? 0 }) }),
        mine.size ? el("span", { class: "tag", text: t("poll.voted") }) : null, ...actions)];
  }

  lottery(data) {
    const winners = data.winners ?? [];
    const won = winners.some((w) => w.id === this.me?.id);
    const parts = [el("div", { class: "muted", text: `${t("lottery.winners")}: ${data.winners_count} · ${t("lottery.eligible", { n: data.eligible_count ?? 0 })}` })];
    if (data.status === "drawn") {
      parts.push(el("div", { class: "winners" }, winners.map((w) => el("span", { class: "winner", dataset: { userId: w.id } }, avatar(w, "avatar sm"), el("span", { text: w.name })))));
      if (won) parts.push(el("p", { class: "youwon", text: t("lottery.you_won") }));
    } else {
      parts.push(el("p", { class: "muted waiting", text: t("lottery.waiting") }));
      if (this.organizer && !this.stage && !this.ended) parts.push(el("div", { class: "actions" }, this.action(t("lottery.draw"), "accent draw", () => this.post(`/api/lotteries/${data.id}/draw`, {}, "lottery"))));
    }
    return parts;
  }

  rating(data) {
    const max = data.max ?? 5;
    const count = data.count ?? 0;
    const dist = data.distribution ?? {};
    const rows = [];
    for (let s = max; s >= 1; s -= 1) {
      const n = dist[String(s)] ?? 0;
      rows.push(el("span", { text: `${s}★` }), this.bar(`s${s}`, count ? n / count : 0), el("span", { class: "muted", text: String(n) }));
    }
    const parts = [
      el("div", {}, el("span", { class: "big-number average", text: count ? Number(data.average).toFixed(1) : "—" }),
        el("span", { class: "muted", text: count ? t("rating.count", { n: count }) : t("rating.none") })),
      el("div", { class: "dist" }, rows),
    ];
    if (this.canAct(data)) {
      const stars = [];
      for (let s = 1; s <= max; s += 1) {
        stars.push(el("button", { type: "button", class: `star${data.my_score === s ? " on" : ""}`, text: String(s), "aria-label": String(s),
          on: { click: () => this.post(`/api/ratings/${data.id}/score`, { score: s }, "rating").catch((e) => this.fail(e)) } }));
      }
      parts.push(el("div", { class: "actions" }, el("div", { class: "stars" }, stars),
        this.organizer ? this.action(t("rating.close"), "ghost close", () => this.post(`/api/ratings/${data.id}/close`, {}, "rating")) : null));
    }
    if (data.my_score) parts.push(el("p", { class: "muted", text: t("rating.your_score", { n: data.my_score }) }));
    return parts;
  }

  redpacket(data) {
    const parts = [el("div", { class: "muted", text: t("redpacket.summary", { total: yuan(data.total_cents), count: data.count, claimed: data.claimed_count ?? 0 }) })];
    const actions = el("div", { class: "actions" });
    if (data.my_claim) actions.append(el("span", { class: "got", text: t("redpacket.you_got", { amount: yuan(data.my_claim.cents) }) }));
    else if (data.status === "empty") actions.append(el("span", { class: "muted", text: t("redpacket.empty") }));
    else if (this.canAct(data)) {
      actions.append(this.action(t("redpacket.grab"), "grab", async () => {
        const claim = await api("POST", `/api/redpackets/${data.id}/claim`);
        const item = this.items.get(`redpacket:${data.id}`)?.data ?? data;
        this.put("redpacket", { ...item, my_claim: claim });
        toast(t("redpacket.you_got", { amount: yuan(claim.cents) }), "ok");
      }));
    }
    parts.push(actions);
    const claims = (data.claims ?? []).map((c) => el("li", {}, avatar(c.user, "avatar sm"), el("span", { text: c.user?.name ?? "" }),
      el("span", { class: "cents", text: `¥${yuan(c.cents)}` })));
    if (claims.length) parts.push(el("ol", { class: "claims" }, claims));
    return parts;
  }

  /** Wire the organizer's create forms (`form[data-create]`). */
  bindCreateForms(root) {
    for (const form of root.querySelectorAll("form[data-create]")) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const kind = form.dataset.create;
        const body = createBody(kind, form);
        if (!body) return;
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        try {
          await this.post(`/api/meetings/${this.number}/${PLURAL[kind]}`, body, kind);
          form.reset();
          form.closest("details")?.removeAttribute("open");
        } catch (error) {
          this.fail(error);
        } finally {
          button.disabled = false;
        }
      });
    }
  }
}

function createBody(kind, form) {
  const f = form.elements;
  if (kind === "poll") {
    const options = f.options.value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (options.length < 2 || options.length > 20) return void toast(t("poll.need_options"), "error");
    return { question: f.question.value.trim(), options, multi: f.multi.checked, hide_results: f.hide_results.checked };
  }
  if (kind === "lottery") return { title: f.title.value.trim(), winners: Number(f.winners.value), exclude_previous_winners: f.exclude_previous_winners.checked };
  if (kind === "rating") return { subject: f.subject.value.trim(), max: Number(f.max.value) };
  const totalCents = Math.round(Number(f.total.value) * 100);
  const count = Number(f.count.value);
  if (!(totalCents >= count && count >= 1)) return void toast(t("redpacket.bad_amount"), "error");
  return { total_cents: totalCents, count };
}
