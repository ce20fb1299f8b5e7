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
  unused: (data) => data.claimed_count === 0,  // no share claimed: no money moved

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

  /** On the big screen: the blessing, the sums, the luckiest share and the top shares. */
  present(data, ui) {
    const claims = [...(data.claims ?? [])].sort((a, b) => b.cents - a.cents || a.index - b.index);
    const claimed = data.claimed_cents ?? claims.reduce((sum, c) => sum + c.cents, 0);
    const figures = el("dl", { class: "figures" },
      el("dt", { text: t("screen.rp_total") }), el("dd", { text: `¥${yuan(data.total_cents)}` }),
      el("dt", { text: t("screen.rp_claimed") }), el("dd", { text: `¥${yuan(claimed)} · ${t("screen.rp_shares", { claimed: data.claimed_count ?? 0, count: data.count })}` }),
      el("dt", { text: t("screen.rp_remaining") }), el("dd", { text: `¥${yuan(data.total_cents - claimed)} · ${t("screen.rp_shares", { claimed: data.count - (data.claimed_count ?? 0), count: data.count })}` }));
    const best = claims[0];
    const side = el("div", { class: "best" });
    if (best) {
      side.append(el("div", { class: "best-title" }, `${t("screen.rp_best")} · `, el("span", { class: "name", text: ui.name(best.user) }), " ", el("span", { class: "cents", text: `¥${yuan(best.cents)}` })),
        el("div", { class: "line", text: t("screen.rp_top") }),
        el("ol", { class: "shares", dataset: { trim: "1" } }, claims.slice(0, 10).map((c) => el("li", {},
          el("span", { class: "name", text: ui.name(c.user) }), el("span", { class: "cents", text: `¥${yuan(c.cents)}` })))));
    }
    return [el("div", { class: "packet" }, el("p", { class: "blessing", text: data.blessing || t("screen.rp_blessing") }), figures, side)];
  },

  createBody(form) {
    const f = form.elements;
    const totalCents = Math.round(Number(f.total.value) * 100);
    const count = Number(f.count.value);
    if (!(totalCents >= count && count >= 1)) return void toast(t("redpacket.bad_amount"), "error");
    return { total_cents: totalCents, count };
  },
};
