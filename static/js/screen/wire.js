// The screen's connection: one websocket (the signed-in screen's, or a screen link's) that
// resumes chat by seq, re-reads the screen state on every open, shows when it is lost within
// seconds, and stops for good when the meeting ends (4409) or the link is revoked (4410).
import { ApiError, t } from "../common.js";

export const CLOSE_MEETING_ENDED = 4409;
export const CLOSE_LINK_REVOKED = 4410;
const PING_EVERY_MS = 2000;
// Silence for this long means the server is gone even when no close event came (a dead link).
const SILENCE_MS = 4500;
const MAX_BACKOFF_MS = 3000;

/** Call the screen's API with the link's token (`Authorization: Screen ...`) or the cookie. */
export async function screenApi(token, method, url, body) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Screen ${token}`;
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "network", t("common.network"));
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.error?.code ?? "error", data?.error?.message ?? t("common.error"));
  return data;
}

/**
 * Open the screen's socket. Hooks: `onFrame(frame)` for every frame but pongs,
 * `onOnline(bool)`, `onFinal(code)` once the server said "do not come back".
 * `after()` gives the last chat seq shown, for the resume.
 */
export function screenSocket({ number, token, after, onFrame, onOnline, onFinal }) {
  // The link's token goes in a `ticket` query parameter, which logs mask (never in the path).
  const path = token ? `/ws/screens?ticket=${encodeURIComponent(token)}&` : `/ws/meetings/${number}/screen?`;
  let ws = null;
  let stopped = false;
  let attempt = 0;
  let heard = 0;
  let retry = null;
  let pinger = null;

  function lost() {
    clearInterval(pinger);
    onOnline(false);
    if (stopped) return;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    retry = setTimeout(connect, delay);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${path}after=${after()}`);
    ws = socket;
    socket.addEventListener("open", () => {
      heard = Date.now();
      pinger = setInterval(() => {
        if (Date.now() - heard > SILENCE_MS) return socket.close(); // reconnects from "close"
        if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      }, PING_EVERY_MS);
    });
    socket.addEventListener("message", (event) => {
      heard = Date.now();
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame.type === "hello") {
        attempt = 0;
        onOnline(true);
      }
      if (frame.type !== "pong") onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== ws) return;
      if (event.code === CLOSE_MEETING_ENDED || event.code === CLOSE_LINK_REVOKED) {
        stop();
        onOnline(false);
        return onFinal(event.code);
      }
      lost();
    });
  }

  function stop() {
    stopped = true;
    clearTimeout(retry);
    clearInterval(pinger);
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  }

  connect();
  return { stop, get stopped() { return stopped; } };
}
