// Quiz: the organizer starts each question; phones answer before the server's deadline; after each
// question the distribution and the top 10, at the end a podium. Each phone shows its score and rank.
import { config, el, t, toast } from "../common.js";
import { countdown } from "../countdown.js";

const myEntry = (data) => (data.leaderboard ?? []).find((e) => e.userid === config.user?.userid);

function board(entries, cls) {
  return el("ol", { class: cls, dataset: { trim: "1" } }, entries.map((e) => el("li", { dataset: { userid: e.userid } },
    el("span", { class: "rank", text: `#${e.rank}` }), " ", el("span", { class: "name", text: e.name || e.userid }), " ",
    el("span", { class: "score", text: t("quiz.points", { n: e.score }) }))));
}

function distribution(data, ui) {
  const q = data.question;
  const total = Math.max(1, (data.distribution ?? []).reduce((a, b) => a + b, 0));
  return q.options.map((label, i) => {
    const n = data.distribution?.[i] ?? 0;
    const right = (q.correct ?? []).includes(i);
    return el("div", { class: `option${right ? " correct" : ""}`, dataset: { index: i } },
      el("div", { class: "option-label" }, el("span", { text: `${right ? "✓ " : ""}${label}` }), el("span", { class: "votes", text: String(n) })),
      ui.bar(`q${q.index}o${i}`, n / total));
  });
}

function question(data, ui) {
  const q = data.question;
  const parts = [el("p", { class: "question", text: t("quiz.question_of", { n: q.index + 1, of: data.question_count }) + " · " + q.text })];
  if (data.phase === "question") {
    parts.push(countdown(q.deadline), el("span", { class: "muted", text: " " + t("quiz.answered", { n: data.answered ?? 0 }) }));
    if (ui.canAct(data) && !data.my_answer && !ui.organizer) {
      const boxes = q.options.map((label, i) => el("label", { class: "option" }, el("input", { type: "checkbox", name: `quiz-${data.id}`, value: String(i) }), el("span", { text: label })));
      parts.push(el("div", { class: "quiz-options" }, boxes), el("div", { class: "actions" }, ui.action(t("quiz.answer"), "answer", async (button) => {
        const chosen = [...button.closest("article").querySelectorAll(`input[name="quiz-${data.id}"]:checked`)].map((i) => Number(i.value));
        if (!chosen.length) return toast(t("quiz.pick"), "error");
        await ui.post(`/api/quizzes/${data.id}/answer`, { question: q.index, options: chosen });
      })));
    } else if (data.my_answer) {
      parts.push(el("p", { class: "tag", text: t("quiz.sent") }));
    }
  } else {
    parts.push(...distribution(data, ui));
  }
  return parts;
}

function body(data, ui, big) {
  const parts = [];
  if (data.status !== "open") {
    parts.push(el("h4", { text: t("quiz.podium") }), board(data.podium ?? [], "podium"));
  } else if (!data.question) {
    parts.push(el("p", { class: "muted", text: t("quiz.lobby", { n: data.question_count }) }));
  } else {
    parts.push(...question(data, ui));
    if (data.phase === "results") parts.push(el("h4", { text: t("quiz.top") }), board(data.top ?? [], "top"));
  }
  if (!big) {
    const me = myEntry(data);
    if (me || typeof data.my_score === "number") {
      parts.push(el("p", { class: "my-score", text: t("quiz.mine", { score: me?.score ?? data.my_score ?? 0, rank: me?.rank ?? "—" }) }));
    }
  }
  return parts;
}

export default {
  kind: "quiz",
  plural: "quizzes",
  mine: ["my_answer", "my_score"],
  // Nobody answered: not the running question, nor one scored before.
  unused: (data) => !data.answered && !(data.leaderboard ?? []).length,

  title: (data) => data.title,

  render(data, ui) {
    const parts = body(data, ui, false);
    if (ui.organizer && ui.canAct(data)) {
      const actions = el("div", { class: "actions" });
      if (data.phase === "question") actions.append(ui.action(t("quiz.reveal"), "reveal", () => ui.post(`/api/quizzes/${data.id}/reveal`, {})));
      else {
        const last = (data.question?.index ?? -1) + 1 >= data.question_count;
        actions.append(ui.action(t(last ? "quiz.finish" : "quiz.next"), "next", () => ui.post(`/api/quizzes/${data.id}/next`, {})));
      }
      actions.append(ui.action(t("quiz.close"), "ghost close", () => ui.post(`/api/quizzes/${data.id}/close`, {})));
      parts.push(actions);
    }
    return parts;
  },

  /** On the big screen: the question and its countdown, then results, the top 10, the podium. */
  present(data, ui) {
    return body(data, { ...ui, canAct: () => false, organizer: false }, true);
  },

  createBody(form) {
    // One question a block: its text, then one option a line; a leading * marks a correct one.
    const seconds = Number(form.elements.seconds.value) || 20;
    const blocks = form.elements.questions.value.split(/\n\s*\n/).map((b) => b.split("\n").map((l) => l.trim()).filter(Boolean)).filter((b) => b.length);
    const questions = blocks.map(([text, ...lines]) => ({
      text,
      options: lines.map((l) => l.replace(/^\*\s*/, "")),
      correct: lines.flatMap((l, i) => (l.startsWith("*") ? [i] : [])),
      seconds,
    }));
    if (!questions.length || questions.some((q) => q.options.length < 2 || !q.correct.length)) return void toast(t("quiz.bad_questions"), "error");
    return { title: form.elements.title.value.trim(), questions };
  },
};
