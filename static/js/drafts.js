// Drafts survive a refresh: the chat box and the organizer's create forms are kept in localStorage
// per meeting, and forgotten once sent.
import { storage } from "./common.js";

const key = (number, name) => `hub:draft:${number}:${name}`;

/** Keep the value of `input` as it is typed; put a saved one back now. Returns `clear()`. */
export function keepInput(number, name, input) {
  const store = storage();
  const saved = store?.getItem(key(number, name));
  if (saved && !input.value) input.value = saved;
  input.addEventListener("input", () => {
    if (input.value) store?.setItem(key(number, name), input.value);
    else store?.removeItem(key(number, name));
  });
  return () => store?.removeItem(key(number, name));
}

/** Keep every named field of `form`; a reset (the form was sent) forgets them. */
export function keepForm(number, name, form) {
  const store = storage();
  const fields = () => [...form.elements].filter((f) => f.name && f.type !== "submit");
  try {
    const saved = JSON.parse(store?.getItem(key(number, name)) ?? "null");
    if (saved) {
      for (const field of fields()) {
        if (!(field.name in saved)) continue;
        if (field.type === "checkbox" || field.type === "radio") field.checked = Boolean(saved[field.name]);
        else field.value = saved[field.name];
      }
    }
  } catch {
    store?.removeItem(key(number, name)); // a draft from an older page: drop it
  }
  form.addEventListener("input", () => {
    const values = Object.fromEntries(fields().map((f) => [f.name, f.type === "checkbox" || f.type === "radio" ? f.checked : f.value]));
    store?.setItem(key(number, name), JSON.stringify(values));
  });
  form.addEventListener("reset", () => store?.removeItem(key(number, name)));
}
