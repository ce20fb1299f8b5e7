// 签到 check-in: the screen shows a code (text and QR) that changes every 15 s; phones type it in.
// The organizer's card and the screen read the code from GET /api/checkins/{id}/code.
import { api, config, el, formatTime, t, toast } from "../common.js";
import { countdown } from "../countdown.js";
import { screenApi } from "../screen/wire.js";

/** A box that shows the current code and its QR, re-read when it changes, while on the page. */
function codeBox(data, big) {
  const box = el("div", { class: "checkin-code" });
  box.style.textAlign = "center";
  const read = () => (config.screen ? screenApi(config.screen.token, "GET", `/api/checkins/${data.id}/code`) : api("GET", `/api/checkins/${data.id}/code`));
  let born = Date.now();
  async function refresh() {
    if (!box.isConnected && Date.now() - born > 2000) return; // the card was drawn again: its new box reads
    let shown;
    try {
      shown = await read();
    } catch {
      setTimeout(refresh, 3000);
      return;
    }
    born = Date.now();
    const code = el("div", { class: "code", dataset: { code: shown.code }, text: shown.code });
    // Styles through the CSSOM: the pages' CSP refuses style attributes.
    Object.assign(code.style, { fontSize: big ? "3em" : "2em", fontWeight: "800", letterSpacing: ".15em", fontVariantNumeric: "tabular-nums" });
    box.replaceChildren(code,
      shown.qr ? el("img", { src: shown.qr, alt: shown.code, width: big ? 260 : 120, height: big ? 260 : 120 }) : null,
      el("div", {}, countdown(shown.expires_at, "checkin.changes_in")));
    setTimeout(refresh, Math.max(500, shown.expires_at * 1000 - Date.now() + 300));
  }
  refresh();
  return box;
}

function roster(data) {
  return el("ol", { class: "roster", dataset: { trim: "1" } }, (data.entries ?? []).map((e) => el("li", { dataset: { userid: e.userid } },
    el("span", { text: e.name || e.userid }), " ", el("span", { class: "muted", text: formatTime(e.at, { timeStyle: "medium" }) }))));
}

export default {
  kind: "checkin",
  plural: "checkins",
  mine: ["my_checkin", "code"],
  unused: (data) => data.checked_in === 0,  // nobody checked in

  title: (data) => data.title,

  render(data, ui) {
    const parts = [el("div", { class: "big-number count", text: t("checkin.count", { n: data.checked_in ?? 0, of: data.joined ?? 0 }) })];
    if (data.status === "open" && data.closes_at) parts.push(countdown(data.closes_at));
    if (ui.organizer && data.status === "open" && !ui.ended) parts.push(codeBox(data, false));
    const actions = el("div", { class: "actions" });
    if (data.my_checkin) actions.append(el("span", { class: "tag done", text: t("checkin.done", { time: formatTime(data.my_checkin, { timeStyle: "medium" }) }) }));
    else if (ui.canAct(data) && !ui.organizer) {
      const input = el("input", { name: `code-${data.id}`, inputmode: "numeric", maxlength: "6", placeholder: t("checkin.enter_code"), "aria-label": t("checkin.enter_code") });
      actions.append(input, ui.action(t("checkin.submit"), "checkin", async () => {
        const code = input.value.trim();
        if (!/^[0-9]{6}$/.test(code)) return toast(t("checkin.need_code"), "error");
        await ui.post(`/api/checkins/${data.id}/checkin`, { code });
      }));
    }
    if (ui.organizer && ui.canAct(data)) actions.append(ui.action(t("checkin.close"), "ghost close", () => ui.post(`/api/checkins/${data.id}/close`, {})));
    parts.push(actions);
    if (ui.organizer || ui.ended) parts.push(roster(data));
    return parts;
  },

  /** On the big screen: the code and its QR, large, with the count and the latest arrivals. */
  present(data) {
    return [
      data.status === "open" ? codeBox(data, true) : null,
      el("div", { class: "big-number count", text: t("checkin.count", { n: data.checked_in ?? 0, of: data.joined ?? 0 }) }),
      roster(data),
    ];
  },

  createBody(form) {
    const body = { title: form.elements.title.value.trim() || "签到" };
    const minutes = Number(form.elements.minutes?.value || 0);
    if (minutes > 0) body.duration_s = Math.round(minutes * 60);
    return body;
  },
};
