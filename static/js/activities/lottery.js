// Lottery: the organizer draws winners among the attendees; everyone sees the same draw.
import { avatar, el, t } from "../common.js";

export default {
  kind: "lottery",
  plural: "lotteries",
  mine: [],

  title: (data) => data.title,

  render(data, ui) {
    const winners = data.winners ?? [];
    const won = winners.some((w) => w.id === ui.me?.id);
    const parts = [el("div", { class: "muted", text: `${t("lottery.winners")}: ${data.winners_count} · ${t("lottery.eligible", { n: data.eligible_count ?? 0 })}` })];
    if (data.status === "drawn") {
      parts.push(el("div", { class: "winners" }, winners.map((w) => el("span", { class: "winner", dataset: { userId: w.id } }, avatar(w, "avatar sm"), el("span", { text: w.name })))));
      if (won) parts.push(el("p", { class: "youwon", text: t("lottery.you_won") }));
    } else {
      parts.push(el("p", { class: "muted waiting", text: t("lottery.waiting") }));
      if (ui.organizer && !ui.stage && !ui.ended) parts.push(el("div", { class: "actions" }, ui.action(t("lottery.draw"), "accent draw", () => ui.post(`/api/lotteries/${data.id}/draw`, {}))));
    }
    return parts;
  },

  createBody(form) {
    const f = form.elements;
    return { title: f.title.value.trim(), winners: Number(f.winners.value), exclude_previous_winners: f.exclude_previous_winners.checked };
  },
};
