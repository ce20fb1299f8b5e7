// Poll: one or many choices, live bars, results hidden until closed when the organizer asks.
import { el, t, toast } from "../common.js";
import { timed } from "../countdown.js";

/** The ids the viewer ticked in this poll's card. */
function ticked(button, data) {
  const card = button.closest("article");
  return [...card.querySelectorAll(`input[name="poll-${data.id}"]:checked`)].map((i) => Number(i.value));
}

export default {
  kind: "poll",
  plural: "polls",
  mine: ["my_vote"],
  // Nobody voted (the organizer always sees the count; hidden from a broadcast: unknown, so no).
  unused: (data) => data.total_votes === 0,

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
    // Said plainly: no one, the organizer included, sees who voted for what.
    return [data.anonymous ? el("p", { class: "anonymous-note", text: t("anonymous.note") }) : null, timed(data), ...rows,
      el("div", { class: "actions" },
        el("span", { class: "muted total", text: hidden ? t("poll.hidden") : t("poll.total", { n: data.total_votes ?? 0 }) }),
        mine.size ? el("span", { class: "tag", text: t("poll.voted") }) : null, ...actions)];
  },

  /** On the big screen: every option with its bar; hidden results wait for the close. */
  present(data, ui) {
    const hidden = (data.options ?? []).some((o) => o.votes === null || o.votes === undefined);
    const total = Math.max(1, data.total_votes ?? 0);
    const rows = (data.options ?? []).flatMap((opt) => {
      const label = el("span", { class: "label", text: opt.label, title: opt.label });
      if (hidden) return [label, el("span"), el("span")];
      const pct = data.total_votes ? Math.round((100 * opt.votes) / total) : 0;
      return [label, ui.bar(`o${opt.id}`, opt.votes / total),
        el("span", { class: "count" }, t("poll.votes", { n: opt.votes }), el("span", { class: "pct", text: ` · ${pct}%` }))];
    });
    return [timed(data), el("div", { class: "options", dataset: { options: (data.options ?? []).length } }, rows),
      el("p", { class: "total", text: hidden ? t("screen.hidden_results") : t("poll.total", { n: data.total_votes ?? 0 }) })];
  },

  createBody(form) {
    const f = form.elements;
    const options = f.options.value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (options.length < 2 || options.length > 20) return void toast(t("poll.need_options"), "error");
    return { question: f.question.value.trim(), options, multi: f.multi.checked, hide_results: f.hide_results.checked, anonymous: f.anonymous.checked };
  },
};
