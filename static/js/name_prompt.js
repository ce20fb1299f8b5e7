// The name prompt: when WeCom gave hub no name (GET /api/me says needs_name), the meeting page asks
// once for the name others will see. Skipping is remembered in this browser.
import { api, config, el, showError, storage, t } from "./common.js";

const skippedKey = (user) => `hub:name-skipped:${user.id}`;

/** Ask, above `anchor`, when the server says this user needs a name and they have not skipped. */
export async function maybeAskName(anchor) {
  if (!config.user || storage()?.getItem(skippedKey(config.user))) return;
  let me;
  try {
    ({ user: me } = await api("GET", "/api/me"));
  } catch {
    return; // not essential: the page works without it
  }
  if (!me.needs_name) return;
  const input = el("input", { id: "name-prompt-input", name: "name", maxlength: "100", required: true, autocomplete: "name", value: "" });
  const card = el("section", { class: "card name-prompt", dataset: { namePrompt: "" }, "aria-labelledby": "name-prompt-title" },
    el("h2", { id: "name-prompt-title", text: t("name.prompt_title") }),
    el("p", { class: "muted", text: t("name.prompt_lead") }),
    el("form", { on: { submit: save } },
      el("label", { class: "sr-only", for: "name-prompt-input", text: t("profile.name_label") }), input,
      el("button", { class: "btn small", type: "submit", text: t("profile.save") }),
      el("button", { class: "btn ghost small", type: "button", id: "name-prompt-skip", text: t("name.skip"), on: { click: skip } })));
  anchor.before(card);

  async function save(event) {
    event.preventDefault();
    try {
      const { user } = await api("PUT", "/api/me", { name: input.value.trim() });
      for (const node of document.querySelectorAll("#me-name")) node.textContent = user.name;
      document.dispatchEvent(new CustomEvent("hub:renamed", { detail: user }));
      card.remove();
    } catch (error) {
      showError(error);
    }
  }
  function skip() {
    storage()?.setItem(skippedKey(config.user), "1");
    card.remove();
  }
}
