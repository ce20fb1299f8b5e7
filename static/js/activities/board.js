// The activities board: one card per activity, updated live from `activity` frames. Everything
// kind-specific (title, card body, actions, create form body) is in the kind's module (index.js).
import { api, config, el, showError, t, toast } from "../common.js";
import { KINDS } from "./index.js";

const keyOf = (kind, id) => `${kind}:${id}`;
// Kinds the server lets the organizer delete while nobody has used one (DELETE /api/<plural>/{id}).
const REMOVABLE = new Set(config.removable ?? []);

/** True when `data` is older than what `old` shows: every change raises an activity's version. */
const stale = (old, data) => typeof old?.version === "number" && typeof data.version === "number" && data.version < old.version;

// The server's list of kinds and ours must be the same list: say so loudly when they drift.
for (const { kind, plural } of config.kinds ?? []) {
  if (KINDS.get(kind)?.plural !== plural) console.error(`activity kind ${kind} (${plural}) has no module in static/js/activities/index.js`);
}

export class Board {
  /** `stage`: show only the activity touched last, read-only (the projector view). */
  /** `onNew(kind, data, card)`: an open activity just arrived live (for the page's notice). */
  constructor(box, { number, me, stage = false, onNew = null }) {
    Object.assign(this, { box, number, me, stage, onNew, organizer: false, ended: false });
    this.items = new Map(); // "kind:id" -> {kind, data, touched}
    this.cards = new Map(); // "kind:id" -> element
    this.clock = 0;
    this.uis = new Map([...KINDS.keys()].map((kind) => [kind, this.ui(kind)]));
    // The card the keyboard was last in. An action disables its button, which drops focus on <body>
    // before the answer rebuilds the card: focus goes back to the card, not to the top of the page.
    this.lastFocus = null;
    box.addEventListener("focusin", (ev) => { this.lastFocus = ev.target.closest?.("article.activity")?.dataset.activity ?? null; });
    box.addEventListener("focusout", (ev) => { if (ev.relatedTarget && !box.contains(ev.relatedTarget)) this.lastFocus = null; });
    document.addEventListener("pointerdown", (ev) => { if (!box.contains(ev.target)) this.lastFocus = null; });
    // A kind's own order changed (the questions' "most upvoted / newest" switch).
    document.addEventListener("hub:reorder", () => this.renderAll());
  }

  /** Replace everything with the `activities` object of GET /api/meetings/{n}. */
  setAll(activities) {
    this.items.clear();
    for (const { kind, plural } of KINDS.values()) {
      for (const data of activities?.[plural] ?? []) this.items.set(keyOf(kind, data.id), { kind, data, touched: 0 });
    }
    this.renderAll();
  }

  setRole({ organizer, ended }) {
    this.organizer = Boolean(organizer);
    this.ended = Boolean(ended);
    this.renderAll();
  }

  /** An `activity` frame: broadcasts carry no per-viewer fields (the kind's `mine`), so ours are kept. */
  applyFrame(frame) {
    const kind = KINDS.get(frame.kind);
    if (!kind || !frame.data || frame.data.id === undefined) return;
    if (frame.event === "deleted") return this.drop(kind.kind, frame.data.id);
    const old = this.items.get(keyOf(kind.kind, frame.data.id))?.data;
    // A late frame must not undo a newer answer.
    if (stale(old, frame.data)) return;
    const data = { ...frame.data };
    for (const field of kind.mine) {
      if (old) data[field] = old[field];
      else delete data[field];
    }
    const fresh = !this.items.has(keyOf(kind.kind, data.id));
    this.store(kind.kind, data);
    if (fresh && data.status === "open" && !this.stage && this.visible({ kind: kind.kind, data })) this.onNew?.(kind.kind, data, this.cards.get(keyOf(kind.kind, data.id)));
  }

  /** Our own action's answer: the full object, per-viewer fields included. */
  put(kind, data) {
    this.store(kind, this.merged(kind, data));
  }

  /** `data` (a full object, per-viewer fields included) over what we hold, through the version check. */
  merged(kind, data) {
    const old = this.items.get(keyOf(kind, data.id))?.data ?? {};
    const merged = { ...old };
    // A frame already showed a newer state: take only our own fields from this answer.
    const fields = stale(old, data) ? KINDS.get(kind).mine.filter((field) => field in data) : Object.keys(data);
    for (const field of fields) merged[field] = data[field];
    return merged;
  }

  /** The organizer deleted it: the card goes (a frame, our own delete, or a catch-up that no longer lists it). */
  drop(kind, id) {
    const key = keyOf(kind, id);
    if (!this.items.delete(key)) return;
    this.renderAll();
  }

  store(kind, data) {
    const key = keyOf(kind, data.id);
    this.items.set(key, { kind, data, touched: ++this.clock });
    this.renderOne(key);
  }

  /** What we hold, for the catch-up: `kind:id:version,...` (GET /api/meetings/{n}/activities?since=). */
  cursor() {
    // What we held when we asked: the answer's cursor lists what still exists of it.
    this.asked = new Set(this.items.keys());
    // The server takes at most 400 items; past that, ask for everything (an empty cursor).
    if (this.items.size > 400) return "";
    return [...this.items.values()].map(({ kind, data }) => `${kind}:${data.id}:${data.version ?? 0}`).join(",");
  }

  /** A catch-up answer (only what changed since our cursor, full objects): applied through the same
   * version check as frames and answers, as one change, so the stage shows what a fresh page shows.
   * `cursor` (every activity that exists now) drops what we held that was deleted meanwhile. */
  catchUp(activities, cursor) {
    const touched = ++this.clock;
    let changed = 0;
    if (typeof cursor === "string" && this.asked) {
      const exists = new Set(cursor.split(",").filter(Boolean).map((item) => item.split(":").slice(0, 2).join(":")));
      for (const key of this.asked) if (!exists.has(key) && this.items.delete(key)) changed += 1;
    }
    for (const { kind, plural } of KINDS.values()) {
      for (const data of activities?.[plural] ?? []) {
        this.items.set(keyOf(kind, data.id), { kind, data: this.merged(kind, data), touched });
        changed += 1;
      }
    }
    if (changed) this.renderAll();
  }

  /** A kind may keep a card from this viewer (`shown(data, ui)`: a question awaiting approval is
   * its author's and the organizer's only); every other card shows. */
  visible({ kind, data }) {
    const module = KINDS.get(kind);
    return !module?.shown || module.shown(data, this.uis.get(kind));
  }

  sorted() {
    const entries = [...this.items.entries()].filter(([, item]) => this.visible(item));
    if (this.stage) return entries.sort((a, b) => b[1].touched - a[1].touched || b[1].data.id - a[1].data.id).slice(0, 1);
    // One list across kinds: open ones first, then newest first by creation time (ids are per kind).
    const open = (d) => (d.status === "open" ? 0 : 1);
    const born = (d) => Date.parse(d.created_at ?? "") || 0;
    const sorted = entries.sort((a, b) => open(a[1].data) - open(b[1].data) || born(b[1].data) - born(a[1].data)
      || b[1].data.id - a[1].data.id || (a[0] < b[0] ? -1 : 1));
    // A kind with its own `compare(a, b)` (questions by upvotes) reorders its cards among the
    // places they hold in the list; other kinds' cards keep theirs.
    for (const module of KINDS.values()) {
      if (!module.compare) continue;
      const slots = sorted.flatMap((entry, i) => (entry[1].kind === module.kind ? [i] : []));
      const own = slots.map((i) => sorted[i]).sort((a, b) => module.compare(a[1].data, b[1].data));
      slots.forEach((slot, i) => { sorted[slot] = own[i]; });
    }
    return sorted;
  }

  /** The key of the card holding keyboard focus, so a re-render can give focus back. */
  focused() {
    const active = document.activeElement;
    if (!active || active === document.body) return this.lastFocus;
    const card = active.closest?.("article.activity");
    return card && this.box.contains(card) ? card.dataset.activity : null;
  }

  /** Focus stays on the card the viewer acted in (a rebuilt card would drop it on <body>). */
  refocus(key) {
    const active = document.activeElement;
    if (key && (!active || active === document.body || !this.box.contains(active) && !active.isConnected)) {
      this.cards.get(key)?.focus({ preventScroll: true });
    }
  }

  renderAll() {
    const focus = this.focused();
    const previous = this.cards;
    this.cards = new Map();
    const cards = this.sorted().map(([key, item]) => this.card(key, item, previous.get(key)));
    const empty = el("p", { class: "muted" + (this.stage ? " big" : ""), id: "no-activities", text: t(this.stage ? "screen.waiting" : "act.none") });
    this.box.replaceChildren(...(cards.length ? cards : [empty]));
    this.refocus(focus);
  }

  renderOne(key) {
    const old = this.cards.get(key);
    if (!old || this.stage || !this.visible(this.items.get(key))) return this.renderAll();
    const focus = this.focused();
    const fresh = this.card(key, this.items.get(key), old);
    old.replaceWith(fresh);
    this.refocus(focus);
  }

  card(key, { kind, data }, previous) {
    const module = KINDS.get(kind);
    const node = el(
      "article",
      // data-activity and data-status are documented test hooks (docs/dashboard.md).
      { class: `activity ${kind}-card`, dataset: { kind, id: data.id, activity: key, status: data.status, version: data.version ?? 0 },
        tabindex: "-1", "aria-labelledby": `title-${kind}-${data.id}` },
      el("header", {}, el("span", { class: `kind ${kind}`, text: t(`${kind}.kind`) }),
        el("h3", { id: `title-${kind}-${data.id}`, text: module.title(data) }),
        el("span", { class: `state ${data.status}`, text: t(data.status === "open" ? "act.open" : "act.closed") }),
        this.deleteButton(kind, data)),
      ...module.render(data, this.uis.get(kind)),
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

  /** The organizer's delete, on a card of a kind the server deletes while nobody has used it (the
   * kind's `unused(data)` says so; without one the server decides). Two clicks, no confirm(). */
  deleteButton(kind, data) {
    const module = KINDS.get(kind);
    if (!this.organizer || this.ended || this.stage || !REMOVABLE.has(kind) || module.unused?.(data) === false) return null;
    const button = el("button", { type: "button", class: "btn ghost small delete-activity", text: t("act.delete"),
      "aria-describedby": `title-${kind}-${data.id}` });
    button.addEventListener("click", async () => {
      if (!button.dataset.armed) {
        button.dataset.armed = "1";
        button.textContent = t("act.delete_confirm");
        setTimeout(() => { delete button.dataset.armed; button.textContent = t("act.delete"); }, 4000);
        return;
      }
      button.disabled = true;
      try {
        await api("DELETE", `/api/${module.plural}/${data.id}`);
        this.drop(kind, data.id);
        toast(t("act.deleted"), "ok");
      } catch (error) {
        button.disabled = false;
        showError(error);
      }
    });
    return button;
  }

  /** What a kind's `render(data, ui)` may use: the viewer's role and the board's building blocks. */
  ui(kind) {
    const board = this;
    return {
      get me() { return board.me; },
      get organizer() { return board.organizer; },
      get stage() { return board.stage; },
      get ended() { return board.ended; },
      /** May the viewer act on this activity now (not the projector, meeting and activity open)? */
      canAct: (data) => !board.stage && !board.ended && data.status === "open",
      /** A bar `fraction` (0..1) wide that glides from its previous width; `key` is unique in the card. */
      bar(key, fraction) {
        const width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 1000) / 10}%`;
        return el("div", { class: "bar" }, el("span", { dataset: { key, width } }));
      },
      /** A button that runs `fn(button)`, disabled meanwhile; a failure is shown in the page. */
      action(label, cls, fn) {
        return el("button", { type: "button", class: `btn small ${cls}`, text: label, on: { click: async (ev) => {
          const button = ev.currentTarget;
          button.disabled = true;
          try { await fn(button); } catch (error) { showError(error); } finally { button.disabled = false; }
        } } });
      },
      /** POST and show the answer (this kind's full object) on the card. */
      async post(url, body) {
        const data = await api("POST", url, body);
        board.put(kind, data);
        return data;
      },
      put: (data) => board.put(kind, data),
      current: (id) => board.items.get(keyOf(kind, id))?.data,
      fail: (error) => showError(error),
    };
  }

  /** Wire the organizer's create forms (`form[data-create=KIND]`). */
  bindCreateForms(root) {
    for (const form of root.querySelectorAll("form[data-create]")) {
      const kind = KINDS.get(form.dataset.create);
      if (!kind) continue;
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const body = kind.createBody(form);
        if (!body) return;
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        try {
          await this.uis.get(kind.kind).post(`/api/meetings/${this.number}/${kind.plural}`, body);
          form.reset();
          form.closest("details")?.removeAttribute("open");
        } catch (error) {
          showError(error);
        } finally {
          button.disabled = false;
        }
      });
    }
  }
}
