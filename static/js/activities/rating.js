// Rating: one score per person (1..max), the average and the distribution live.
import { el, t } from "../common.js";
import { timed } from "../countdown.js";

export default {
  kind: "rating",
  plural: "ratings",
  mine: ["my_score"],
  unused: (data) => data.count === 0,  // nobody scored

  title: (data) => data.subject,

  render(data, ui) {
    const max = data.max ?? 5;
    const count = data.count ?? 0;
    const dist = data.distribution ?? {};
    const rows = [];
    for (let s = max; s >= 1; s -= 1) {
      const n = dist[String(s)] ?? 0;
      rows.push(el("span", { text: `${s}★` }), ui.bar(`s${s}`, count ? n / count : 0), el("span", { class: "muted", text: String(n) }));
    }
    const parts = [
      el("div", {}, el("span", { class: "big-number average", text: count ? Number(data.average).toFixed(1) : "—" }),
        el("span", { class: "muted", text: count ? t("rating.count", { n: count }) : t("rating.none") })),
      el("div", { class: "dist" }, rows),
    ];
    if (ui.canAct(data)) {
      const stars = [];
      for (let s = 1; s <= max; s += 1) {
        stars.push(el("button", { type: "button", class: `star${data.my_score === s ? " on" : ""}`, text: String(s), "aria-label": String(s),
          on: { click: () => ui.post(`/api/ratings/${data.id}/score`, { score: s }).catch((e) => ui.fail(e)) } }));
      }
      parts.push(el("div", { class: "actions" }, el("div", { class: "stars" }, stars),
        ui.organizer ? ui.action(t("rating.close"), "ghost close", () => ui.post(`/api/ratings/${data.id}/close`, {})) : null));
    }
    if (data.my_score) parts.push(el("p", { class: "muted", text: t("rating.your_score", { n: data.my_score }) }));
    // Said plainly: no one, the organizer included, sees who gave which score.
    if (data.anonymous) parts.unshift(el("p", { class: "anonymous-note", text: t("anonymous.note") }));
    parts.push(timed(data));
    return parts;
  },

  /** On the big screen: the average, large, beside the distribution. */
  present(data, ui) {
    const max = data.max ?? 5;
    const count = data.count ?? 0;
    const dist = data.distribution ?? {};
    const rows = [];
    for (let s = max; s >= 1; s -= 1) {
      const n = dist[String(s)] ?? 0;
      rows.push(el("span", { text: `${s}★` }), ui.bar(`s${s}`, count ? n / count : 0), el("span", { class: "count", text: String(n) }));
    }
    return [timed(data), el("div", { class: "rating-body" },
      el("div", {}, el("div", { class: "average", text: count ? Number(data.average).toFixed(1) : "—" }),
        el("div", { class: "average-sub", text: t("screen.rating_out_of", { max }) }),
        el("div", { class: "average-sub", text: count ? t("rating.count", { n: count }) : t("rating.none") })),
      el("div", { class: "dist" }, rows))];
  },

  createBody(form) {
    const f = form.elements;
    return { subject: f.subject.value.trim(), max: Number(f.max.value), anonymous: f.anonymous.checked };
  },
};
