// Word cloud: each person gives up to N words; the cloud sizes each word by how many gave it.
// `counts` comes in the order words first appeared, so every word keeps its place as counts change.
import { el, t, toast } from "../common.js";
import { countdown } from "../countdown.js";

const COLORS = ["#2563eb", "#7c3aed", "#db2777", "#ea580c", "#059669", "#0891b2", "#4f46e5"];

/** A stable colour per word (the same on every screen). */
function colorOf(word) {
  let h = 0;
  for (const ch of word) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

function cloud(data, big) {
  const counts = Object.entries(data.counts ?? {});
  const top = Math.max(1, ...counts.map(([, n]) => n));
  const [small, large] = big ? [1.2, 5] : [0.9, 2.6];
  // Styles through the CSSOM: the pages' CSP refuses style attributes.
  const box = el("div", { class: "wordcloud" },
    counts.length ? counts.map(([word, n]) => {
      const node = el("span", { class: "word", dataset: { word, count: n }, title: String(n), text: word });
      Object.assign(node.style, {
        fontSize: `${(small + (large - small) * Math.sqrt(n / top)).toFixed(2)}em`,
        fontWeight: n === top ? "800" : "600",
        color: colorOf(word),
        transition: "font-size .4s ease",
      });
      return node;
    }) : el("span", { class: "muted", text: t("wordcloud.empty") }));
  Object.assign(box.style, { display: "flex", flexWrap: "wrap", justifyContent: "center", alignItems: "center", gap: ".2em .7em", padding: ".4em 0", lineHeight: "1.15" });
  return box;
}

export default {
  kind: "wordcloud",
  plural: "wordclouds",
  mine: ["my_words"],
  unused: (data) => data.people === 0,  // nobody gave a word

  title: (data) => data.prompt,

  render(data, ui) {
    const mine = data.my_words ?? [];
    const parts = [cloud(data, false), el("div", { class: "muted", text: t("wordcloud.people", { n: data.people ?? 0 }) })];
    if (data.status === "open" && data.closes_at) parts.push(countdown(data.closes_at));
    if (mine.length) parts.push(el("div", { class: "mine" }, t("wordcloud.yours"), " ", mine.map((w) => el("span", { class: "tag", text: w }))));
    const left = (data.max_entries ?? 1) - mine.length;
    const actions = el("div", { class: "actions" });
    if (ui.canAct(data) && left > 0) {
      const input = el("input", { name: `words-${data.id}`, maxlength: "20", placeholder: t("wordcloud.placeholder", { n: left }), "aria-label": t("wordcloud.placeholder", { n: left }) });
      actions.append(input, ui.action(t("wordcloud.submit"), "submit", async () => {
        const words = input.value.split(/[,，、\n]/).map((w) => w.trim()).filter(Boolean);
        if (!words.length) return toast(t("wordcloud.need_word"), "error");
        await ui.post(`/api/wordclouds/${data.id}/submit`, { words: words.slice(0, 5) });
      }));
    }
    if (ui.organizer && ui.canAct(data)) actions.append(ui.action(t("wordcloud.close"), "ghost close", () => ui.post(`/api/wordclouds/${data.id}/close`, {})));
    parts.push(actions);
    return parts;
  },

  /** On the big screen: the cloud alone, large. */
  present(data) {
    return [cloud(data, true), el("p", { class: "muted", text: t("wordcloud.people", { n: data.people ?? 0 }) }), data.status === "open" && data.closes_at ? countdown(data.closes_at) : null];
  },

  createBody(form) {
    const f = form.elements;
    const body = { prompt: f.prompt.value.trim(), max_entries: Number(f.max_entries.value) };
    const minutes = Number(f.minutes?.value || 0);
    if (minutes > 0) body.duration_s = Math.round(minutes * 60);
    return body;
  },
};
