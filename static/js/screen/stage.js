// The stage: the one activity the organizer presents, drawn by its kind's `present(data, ui)`
// (static/js/activities/<kind>.js), as large as fits. Bars glide from what was shown before.
import { avatar, el, t, yuan } from "../common.js";
import { KINDS } from "../activities/index.js";
import { overflows, shrinkToFit, trimToFit } from "./fit.js";

const stateText = (data) => t(data.status === "open" ? "act.open" : "act.closed");

export class Stage {
  constructor(box) {
    this.box = box;
    this.shown = null; // {key, data}
    this.timer = null;
  }

  /** Show `data` of `kind` (again, after a change, or for the first time). */
  show(kind, data) {
    const module = KINDS.get(kind);
    if (!module) return this.clear();
    const key = `${kind}:${data.id}`;
    const previous = this.shown?.key === key ? this.shown.data : null;
    const before = this.box.firstElementChild;
    this.shown = { key, kind, data };
    clearTimeout(this.timer);
    const ui = {
      previous,
      name: (user) => user?.name || user?.userid || "",
      avatar,
      yuan,
      bar: (barKey, fraction) => {
        const width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 1000) / 10}%`;
        return el("div", { class: "bar" }, el("span", { dataset: { key: barKey, width } }));
      },
      // Draw the same state again after `ms` (a reveal that ends in the full result).
      again: (ms) => { this.timer = setTimeout(() => { if (this.shown?.key === key) this.show(kind, this.shown.data); }, ms); },
    };
    const body = (module.present ?? module.render)(data, { ...ui, canAct: () => false, stage: true, organizer: false, ended: true });
    const node = el("article", { class: `activity ${kind}-card`, dataset: { kind, id: data.id, status: data.status, version: data.version } },
      el("header", {}, el("span", { class: `kind ${kind}`, text: t(`${kind}.kind`) }), el("span", { class: `state ${data.status}`, text: stateText(data) })),
      el("h2", { text: module.title(data) }),
      ...body);
    for (const bar of node.querySelectorAll(".bar > span[data-key]")) {
      const old = previous ? before?.querySelector(`.bar > span[data-key="${bar.dataset.key}"]`)?.style.width : null;
      bar.style.width = old ?? "0%";
      requestAnimationFrame(() => requestAnimationFrame(() => { bar.style.width = bar.dataset.width; }));
    }
    this.box.replaceChildren(node);
    this.fit();
  }

  /**
   * Make it fit: smaller type first, then the tail of long lists. A list whose `data-trim` is a
   * message key says how many it left out ("and 12 more").
   */
  fit() {
    if (shrinkToFit(this.box)) return;
    for (const list of this.box.querySelectorAll("[data-trim]")) {
      let left = trimToFit(this.box, list);
      if (!left || !list.dataset.trim.includes(".")) continue;
      const shown = [...list.children].filter((item) => !item.hidden);
      const note = el("span", { class: "more" });
      list.append(note);
      for (;;) {
        note.textContent = t(list.dataset.trim, { n: left });
        if (!overflows(this.box) || shown.length <= 1) break;
        shown.pop().hidden = true;
        left += 1;
      }
    }
  }

  clear() {
    clearTimeout(this.timer);
    this.shown = null;
    this.box.replaceChildren();
  }
}
