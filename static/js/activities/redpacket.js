// Red packet: a sum split into shares; the first `count` people to grab one get a share each.
import { ApiError, api, avatar, el, t, toast, yuan } from "../common.js";

/** Grab a share: the answer is our claim alone, added to the packet we show. */
async function claim(data, ui) {
  let got;
  try {
    got = await api("POST", `/api/redpackets/${data.id}/claim`);
  } catch (error) {
    // 410: every share is gone; say so in words rather than the server's message.
    if (error instanceof ApiError && error.status === 410) return void toast(t("redpacket.gone"), "error");
    throw error;
  }
  ui.put({ ...(ui.current(data.id) ?? data), my_claim: got });
  toast(t("redpacket.you_got", { amount: yuan(got.cents) }), "ok");
}

export default {
  kind: "redpacket",
  plural: "redpackets",
  mine: ["my_claim"],

  title: (data) => `¥${yuan(data.total_cents)}`,

  render(data, ui) {
    const parts = [el("div", { class: "muted", text: t("redpacket.summary", { total: yuan(data.total_cents), count: data.count, claimed: data.claimed_count ?? 0 }) })];
    const actions = el("div", { class: "actions" });
    if (data.my_claim) actions.append(el("span", { class: "got", text: t("redpacket.you_got", { amount: yuan(data.my_claim.cents) }) }));
    else if (data.status === "empty") actions.append(el("span", { class: "muted", text: t("redpacket.empty") }));
    else if (ui.canAct(data)) actions.append(ui.action(t("redpacket.grab"), "grab", () => claim(data, ui)));
    parts.push(actions);
    const claims = (data.claims ?? []).map((c) => el("li", {}, avatar(c.user, "avatar sm"), el("span", { text: c.user?.name ?? "" }),
      el("span", { class: "cents", text: `¥${yuan(c.cents)}` })));
    if (claims.length) parts.push(el("ol", { class: "claims" }, claims));
    return parts;
  },

  createBody(form) {
    const f = form.elements;
    const totalCents = Math.round(Number(f.total.value) * 100);
    const count = Number(f.count.value);
    if (!(totalCents >= count && count >= 1)) return void toast(t("redpacket.bad_amount"), "error");
    return { total_cents: totalCents, count };
  },
};
