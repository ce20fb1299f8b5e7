// Poll: one or many choices, live bars, results hidden until closed when the organizer asks.
import { el, t, toast } from "../common.js";

/** The ids the viewer ticked in this poll's card. */
function ticked(button, data) {
  const card = button.closest("article");
  return [...card.querySelectorAll(`input[name="poll-${data.id}"]:checked`)].map((i) => Number(i.value));
}

export default {
  kind: "poll",
  plural: "polls",
  mine: ["my_vote"],

  title: (data) => data.question,

  render(data, ui) {
    const mine = new Set(data.my_vote ?? []);
    const voting = ui.canAct(data) && mine.size === 0;
    const total = Math.max(1, data.total_votes ?? 0);
    const rows = (data.options ?? []).map((opt) => {
      const input = voting ? el("input", { type: data.multi ? "checkbox" : "radio", name: `poll-${data.id}`, value: String(opt.id) }) : null;
      const shown = opt.votes !== null && opt.votes !== undefined;
      return el("div", { class: `option${mine.has(opt.id) ? " mine" : ""}`, dataset: { optionId: opt.id } },
        el("div", { class: "option-label" }, el("label", {}, input, el("span", { text: opt.label })),
          shown ? el("span", { class: "votes", text: t("poll.votes", { n: opt.votes }) }, data.total_votes ? el("span", { class: "pct", text: ` · ${Math.round((100 * opt.votes) / total)}%` }) : null) : null),
        shown ? ui.bar(`o${opt.id}`, opt.votes / total) : null);
    });
    const hidden = (data.options ?? []).some((o) => o.votes === null);
    const actions = [];
    if (voting) {
      actions.push(ui.action(t("poll.vote"), "vote", async (button) => {
        const ids = ticked(button, data);
        if (!ids.length) return toast(t("poll.pick"), "error");
        await ui.post(`/api/polls/${data.id}/vote`, { option_ids: ids });
      }));
    }
    if (ui.organizer && ui.canAct(data)) actions.push(ui.action(t("poll.close"), "ghost close", () => ui.post(`/api/polls/${data.id}/close`, {})));
    return [...rows,
      el("div", { class: "actions" },
        el("span", { class: "muted total", text: hidden ? t("poll.hidden") : t("poll.total", { n: data.total_votes ?? 0 }) }),
        mine.size ? el("span", { class: "tag", text: t("poll.voted") }) : null, ...actions)];
  },

  createBody(form) {
    const f = form.elements;
    const options = f.options.value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (options.length < 2 || options.length > 20) return void toast(t("poll.need_options"), "error");
    return { question: f.question.value.trim(), options, multi: f.multi.checked, hide_results: f.hide_results.checked };
  },
};
