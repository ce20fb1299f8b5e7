// Shared helpers for every page: config, messages, safe DOM building, API calls, toasts, sockets.

const configNode = document.getElementById("page-config");
export const config = configNode ? JSON.parse(configNode.textContent) : { messages: {} };

/** The message for `key` in the page's language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const message = config.messages[key] ?? key;
  return message.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/**
 * Build an element. Text children become text nodes, so user text is never parsed as HTML.
 * `attrs`: `class`, `text`, `dataset`, `on` (event handlers) and plain attributes/properties.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An avatar image that falls back to the default picture when the URL is empty or broken. */
export function avatar(user, cls = "avatar") {
  const img = el("img", { class: cls, alt: "", loading: "lazy", src: user?.avatar || config.defaultAvatar });
  img.addEventListener("error", () => { img.src = config.defaultAvatar; }, { once: true });
  return img;
}

/** Show a message in the page's toast area (errors stay longer). */
export function toast(message, kind = "info", ms = kind === "error" ? 7000 : 3500) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const close = el("button", { type: "button", "aria-label": t("common.dismiss"), text: "×" });
  const node = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, el("span", { text: message }), close);
  const remove = () => node.remove();
  close.addEventListener("click", remove);
  box.append(node);
  setTimeout(remove, ms);
}

/** An API error: the HTTP status and the server's `{"error": {"code", "message"}}`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Call a JSON API; throws ApiError for any non-2xx answer (status 0 for a network failure). */
export async function api(method, url, body) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "network", t("common.network"));
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const err = data?.error ?? {};
    throw new ApiError(response.status, err.code ?? "error", err.message ?? t("common.error"));
  }
  return data;
}

/**
 * The message for an error `code` in the page's language: the catalogue's `api.<code>` (hub/i18n),
 * else the server's own message (already in the language of Accept-Language), else a generic one.
 */
export function errorText(code, fallback) {
  const key = `api.${code}`;
  return config.messages[key] ? t(key) : fallback || t("common.error");
}

/** Report a failed action in the page, in the page's language. */
export function showError(error) {
  console.warn(error);
  toast(error instanceof ApiError ? errorText(error.code, error.message) : t("common.error"), "error");
}

/** Tell screen-reader users what just changed (the page's polite live region). */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  // Emptied first, so the same words twice are announced twice.
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

/** The browser's localStorage, or null where it is blocked (private modes, some in-app browsers). */
export function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const timeFormats = new Map();
/** WeChat's zone: live rooms' times are shown in it, whatever HUB_TIMEZONE says. */
export const BEIJING = "Asia/Shanghai";
/** A time (ISO string, Date or unix seconds) in the page's language, in `zone`: the meetings'
 * zone (HUB_TIMEZONE) unless told otherwise (see withZone). */
export function formatTime(value, opts = { dateStyle: "short", timeStyle: "short" }, zone = config.timezone || BEIJING) {
  if (value === null || value === undefined || value === "") return "—";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return "—";
  const key = JSON.stringify([zone, opts]);
  if (!timeFormats.has(key)) {
    const locale = config.lang === "en" ? "en-GB" : "zh-CN";
    timeFormats.set(key, new Intl.DateTimeFormat(locale, { timeZone: zone, ...opts }));
  }
  return timeFormats.get(key).format(date);
}

/** A time with its zone named, where a reader elsewhere could take it for local time. */
export function withZone(value, opts) {
  return `${formatTime(value, opts)} ${t("time.zone", { zone: config.zoneName || BEIJING })}`;
}

/** Cents as yuan with two decimals. */
export const yuan = (cents) => (Number(cents || 0) / 100).toFixed(2);

/** A random id for idempotent resends; crypto.randomUUID needs a secure context, this does not. */
export function randomId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A websocket that reconnects with exponential backoff and jitter. `url()` is called before every
 * attempt, so the caller can resume (`?after=SEQ`). Call `stop()` to close for good.
 */
export function reconnectingSocket(url, { onMessage, onOpen, onClose, onGiveUp } = {}) {
  let ws = null;
  let attempt = 0;
  let stopped = false;
  let timer = null;
  const connect = () => {
    const base = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
    ws = new WebSocket(base + url());
    ws.addEventListener("open", () => { attempt = 0; onOpen?.(ws); });
    ws.addEventListener("message", (ev) => {
      let frame;
      try { frame = JSON.parse(ev.data); } catch { return; }
      onMessage?.(frame);
    });
    ws.addEventListener("close", (ev) => {
      onClose?.(ev);
      // 4xxx codes from the server mean "do not come back" (not an attendee, meeting gone).
      if (stopped || (ev.code >= 4000 && ev.code < 4500)) { if (!stopped) onGiveUp?.(ev); return; }
      const delay = Math.min(15000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt += 1;
      timer = setTimeout(connect, delay);
    });
  };
  connect();
  return {
    send(frame) {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    get open() { return ws?.readyState === WebSocket.OPEN; },
    stop() { stopped = true; clearTimeout(timer); ws?.close(1000); },
    /** Drop the connection now (as a network failure would) and reconnect with backoff. */
    drop() { ws?.close(); },
  };
}

/** Wire the sign-out button of the top bar. */
function setupLogout() {
  const button = document.getElementById("logout");
  if (!button) return;
  button.addEventListener("click", async () => {
    try {
      await api("POST", "/auth/logout");
      location.href = "/";
    } catch (error) {
      showError(error);
    }
  });
}
setupLogout();

/** The profile menu of the top bar: change the name others see (PUT /api/me). */
function setupProfile() {
  const form = document.getElementById("profile-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { user } = await api("PUT", "/api/me", { name: form.elements.name.value.trim() });
      for (const node of document.querySelectorAll("#me-name")) node.textContent = user.name;
      if (config.user) config.user.name = user.name;
      document.getElementById("profile")?.removeAttribute("open");
      document.dispatchEvent(new CustomEvent("hub:renamed", { detail: user }));
      toast(t("profile.saved"), "ok");
    } catch (error) {
      showError(error);
    }
  });
}
setupProfile();
