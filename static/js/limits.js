// Create forms show their limits before anyone submits: lengths and ranges under each field, from the
// form's own attributes and the server's limits object when the meeting carries one
// (`limits[kind][field]` = {min, max, max_length, max_cents, max_lines}); a lottery's winners are
// capped by the attendees who could win.
import { el, t, yuan } from "./common.js";

/** The words for a field's limits, or "" when it has none worth saying. */
function describe(field) {
  if (field.dataset.maxLines) return t("limits.lines", { n: field.dataset.maxLines, len: field.maxLength > 0 ? field.maxLength : "—" });
  if (field.maxLength > 0 && field.type !== "number") return t("limits.length", { n: field.maxLength });
  if (field.type === "number" && field.max) {
    const money = field.step === "0.01";
    return t(money ? "limits.money" : "limits.range", { min: field.min || 0, max: field.max });
  }
  return "";
}

function hint(form, field) {
  const id = `limit-${form.dataset.create}-${field.name}`;
  let node = document.getElementById(id);
  const text = describe(field);
  if (!text) return node?.remove();
  if (!node) {
    node = el("small", { class: "muted limit", id });
    (field.closest("label") ?? field).after(node);
    field.setAttribute("aria-describedby", id);
  }
  node.textContent = text;
}

/** Apply the server's `limits` (if any) to every create form under `root` and say them. */
export function showLimits(root, limits = {}) {
  for (const form of root.querySelectorAll("form[data-create]")) {
    const own = limits?.[form.dataset.create] ?? {};
    for (const field of form.elements) {
      if (!field.name || field.type === "checkbox" || field.type === "submit") continue;
      const rule = own[field.name] ?? {};
      if (rule.max_length) field.maxLength = rule.max_length;
      if (rule.min !== undefined) field.min = String(rule.min);
      if (rule.max !== undefined) field.max = String(rule.max);
      if (rule.max_cents !== undefined) field.max = yuan(rule.max_cents);
      if (rule.max_lines !== undefined) field.dataset.maxLines = String(rule.max_lines);
      hint(form, field);
    }
  }
}

/** A lottery cannot draw more winners than the people who could win: say so before it is created. */
export function capWinners(root, eligible) {
  const field = root.querySelector('form[data-create="lottery"] [name="winners"]');
  if (!field) return;
  field.max = String(Math.max(1, Math.min(Number(field.dataset.maxWinners ?? (field.dataset.maxWinners = field.max)), eligible)));
  hint(field.form, field);
}
