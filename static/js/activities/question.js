// Q&A: a question attendees ask, upvoted once per person; the organizer answers, highlights,
// hides, approves (under moderation) and deletes. An anonymous question never names its author.
import { api, el, t } from "../common.js";

function meta(data) {
  const who = data.anonymous ? t("question.anonymous") : (data.author ?? "");
  const parts = [el("span", { class: "muted", text: `${who} ` })];
  if (data.answered) parts.push(el("span", { class: "tag answered", text: t("question.answered") }));
  if (data.highlighted) parts.push(el("span", { class: "tag highlighted", text: t("question.highlighted") }));
  if (data.status === "pending") parts.push(el("span", { class: "tag pending", text: t("question.pending") }));
  if (data.status === "hidden") parts.push(el("span", { class: "tag hidden-tag", text: t("question.hidden") }));
  return el("div", { class: "question-meta" }, parts);
}

function organizerTools(data, ui) {
  const url = `/api/questions/${data.id}`;
  const tools = [
    ui.action(data.answered ? t("question.unanswer") : t("question.answer"), "ghost small answer",
      () => ui.post(`${url}/answer`, { answered: !data.answered })),
    ui.action(data.highlighted ? t("question.unhighlight") : t("question.highlight"), "ghost small highlight",
      () => ui.post(`${url}/highlight`, { highlighted: !data.highlighted })),
    data.status === "open"
      ? ui.action(t("question.hide"), "ghost small hide", () => ui.post(`${url}/hide`, {}))
      : ui.action(t("question.approve"), "ghost small approve", () => ui.post(`${url}/approve`, {})),
    ui.action(t("question.delete"), "ghost small delete", () => ui.post(`${url}/delete`, {})),
  ];
  return el("div", { class: "actions" }, tools);
}

// Frames carry no text of a question the audience does not see; its author and the organizer
// read it once per version (GET answers them with the text).
const asked = new Set();
function readUnseen(data, ui) {
  if (data.text || !["pending", "hidden"].includes(data.status) || !(data.mine || ui.organizer)) return;
  const key = `${data.id}:${data.version}`;
  if (asked.has(key)) return;
  asked.add(key);
  api("GET", `/api/questions/${data.id}`).then((fresh) => ui.put(fresh)).catch(() => {});
}

// How the phone lists questions: "top" (most upvoted first, Slido's default) or "new".
let order = "top";
document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-qa-sort]");
  if (!button) return;
  order = button.dataset.qaSort;
  for (const b of document.querySelectorAll("[data-qa-sort]")) b.setAttribute("aria-pressed", String(b === button));
  document.dispatchEvent(new CustomEvent("hub:reorder"));
});

/** On the screen: the highlighted question (else `data`) and the top others by upvotes. */
function onStage(data) {
  const held = [...(window.hubScreen?.state?.activities?.values() ?? [])]
    .filter((a) => a.kind === "question" && a.data.status === "open").map((a) => a.data);
  const open = held.some((q) => q.id === data.id) || data.status !== "open" ? held : [...held, data];
  const lit = open.filter((q) => q.highlighted).sort((a, b) => b.version - a.version)[0]
    ?? open.find((q) => q.id === data.id) ?? null;
  const others = open.filter((q) => q.id !== lit?.id)
    .sort((a, b) => (b.upvotes ?? 0) - (a.upvotes ?? 0) || a.id - b.id).slice(0, 5);
  return { lit, others };
}

export default {
  kind: "question",
  plural: "questions",
  mine: ["my_upvote", "mine"],

  /** Among questions: by upvotes (ties: newest) or newest first, as the viewer chose. */
  compare(a, b) {
    return (order === "top" ? (b.upvotes ?? 0) - (a.upvotes ?? 0) : 0) || b.id - a.id;
  },

  /** A pending or hidden question is its author's and the organizer's; a deleted one no one's. */
  shown(data, ui) {
    if (data.status === "deleted") return false;
    return data.status === "open" || Boolean(data.mine) || Boolean(ui?.organizer);
  },

  title: (data) => (window.hubScreen ? onStage(data).lit?.text : null)
    ?? (data.text || t(data.status === "deleted" ? "question.deleted" : "question.kind")),

  render(data, ui) {
    if (data.status === "deleted") return [];
    if (!ui.stage) readUnseen(data, ui);
    const parts = [meta(data)];
    const count = el("span", { class: "big-number upvotes", text: String(data.upvotes ?? 0) });
    if (ui.canAct(data)) {
      const voted = Boolean(data.my_upvote);
      parts.push(el("div", { class: "actions" }, count,
        ui.action(voted ? t("question.unvote") : t("question.upvote"), voted ? "upvote on" : "upvote",
          () => ui.post(`/api/questions/${data.id}/${voted ? "unvote" : "upvote"}`, {}))));
    } else {
      parts.push(el("div", {}, count, el("span", { class: "muted", text: ` ${t("question.votes")}` })));
    }
    if (ui.organizer && !ui.stage && !ui.ended) parts.push(organizerTools(data, ui));
    return parts;
  },

  /**
   * On the big screen: the highlighted question large (else the one touched last) as the card's
   * title, then the top five others by upvotes (five keep the screen from ever scrolling). The
   * screen keeps every activity it was sent (`window.hubScreen.state.activities`).
   */
  present(data) {
    const { lit, others } = onStage(data);
    if (!lit) return [];
    const by = (q) => (q.anonymous ? t("question.anonymous") : (q.author ?? ""));
    const list = el("ol", { class: "qa-list" }, others.map((q) => el("li", { dataset: { id: q.id } },
      el("span", { class: "count", text: `▲ ${q.upvotes ?? 0}  ` }), el("span", { text: q.text }))));
    Object.assign(list.style, { fontSize: "1.5em", lineHeight: "1.5", margin: "0.5em 0 0", paddingLeft: "1.2em" });
    return [el("div", { class: `question-body${lit.highlighted ? " highlighted" : ""}`, dataset: { id: lit.id } },
      el("div", { class: "average-sub", text: `▲ ${lit.upvotes ?? 0} · ${by(lit)}${lit.answered ? ` · ${t("question.answered")}` : ""}` }),
      list)];
  },

  createBody(form) {
    const f = form.elements;
    return { text: f.text.value.trim(), anonymous: f.anonymous.checked };
  },
};
