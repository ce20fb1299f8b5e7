// Lottery: the organizer draws winners among the attendees; everyone sees the same draw.
import { avatar, el, t } from "../common.js";
import { timed } from "../countdown.js";

export default {
  kind: "lottery",
  plural: "lotteries",
  mine: [],
  unused: (data) => !data.drawn_at,  // never drawn

  title: (data) => data.title,

  render(data, ui) {
    const winners = data.winners ?? [];
    const won = winners.some((w) => w.id === ui.me?.id);
    const parts = [el("div", { class: "muted", text: `${t("lottery.winners")}: ${data.winners_count} · ${t("lottery.eligible", { n: data.eligible_count ?? 0 })}` })];
    if (data.status === "drawn") {
      parts.push(el("div", { class: "winners" }, winners.map((w) => el("span", { class: "winner", dataset: { userId: w.id } }, avatar(w, "avatar sm"), el("span", { text: w.name })))));
      if (won) parts.push(el("p", { class: "youwon", text: t("lottery.you_won") }));
    } else {
      parts.push(el("p", { class: "muted waiting", text: t("lottery.waiting") }), timed(data));
      if (ui.organizer && !ui.stage && !ui.ended) parts.push(el("div", { class: "actions" }, ui.action(t("lottery.draw"), "accent draw", () => ui.post(`/api/lotteries/${data.id}/draw`, {}))));
    }
    return parts;
  },

  /** On the big screen: waiting, then a countdown when the draw arrives, then the winners. */
  present(data, ui) {
    const line = el("p", { class: "line", text: `${t("lottery.winners")}: ${data.winners_count} · ${t("lottery.eligible", { n: data.eligible_count ?? 0 })}` });
    if (data.status !== "drawn") return [line, el("p", { class: "waiting waiting-text", text: t("lottery.waiting") })];
    if (ui.previous && ui.previous.status !== "drawn") {
      // Drawn while on screen: a short countdown first, then the names (rendered again).
      const count = el("div", { class: "countdown", "aria-label": t("screen.drawing"), text: "3" });
      for (const [ms, text] of [[700, "2"], [1400, "1"]]) setTimeout(() => { count.textContent = text; }, ms);
      ui.again(2100);
      return [line, count];
    }
    const winners = (data.winners ?? []).map((w, i) => {
      const node = el("span", { class: "winner", dataset: { userId: w.id } }, avatar(w, "avatar"), el("span", { text: ui.name(w) }));
      node.style.animationDelay = `${Math.min(i, 40) * 40}ms`; // one after another
      return node;
    });
    return [line, el("div", { class: "winners", dataset: { trim: "screen.winners_more" } }, winners)];
  },

  createBody(form) {
    const f = form.elements;
    return { title: f.title.value.trim(), winners: Number(f.winners.value), exclude_previous_winners: f.exclude_previous_winners.checked };
  },
};
