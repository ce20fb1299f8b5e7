// One meeting room on the wire, for an attendee's page (the big screen has its own, read-only wire
// in screen/wire.js): load (joining on 403),
// the chat history, the websocket with resume and reconnect, frame dispatch, the activities'
// catch-up after any outage, and the ended state.
import { api, reconnectingSocket, showError, t, toast } from "./common.js";

/** The server closes every socket of an ended meeting with this code; it is final. */
export const CLOSE_MEETING_ENDED = 4409;

/**
 * Open the room of meeting `number`. Returns at once; `room.ready` settles when the meeting is
 * loaded and the history read (it rejects with the ApiError of a meeting that cannot be opened).
 *
 * Options: `join` (POST join on 403, as opening the link does), `history` (messages to read first).
 * Hooks, all optional:
 * - `onMeeting(meeting)`: the meeting as loaded (GET, or the join answer); `onJoined(meeting)` after a join;
 * - `onChat(message)`: each message once, in order (history, resume and live, deduplicated by seq);
 * - `onHello(frame)`, `onPresence(online, frame)`, `onActivity(frame)`, `onError(frame)`;
 * - `onState(state)`: "open" (hello received), "lost" (reconnecting), "closed" (refused for good), "ended";
 * - `onEnded(data)`: once, when the meeting is over (the ended frame, close code 4409, or found ended);
 * - `cursor()` and `onCatchUp(answer)`: the activities' catch-up. Frames can be lost for good in an outage
 *   (a broker down, a process killed), so whenever the socket (re)opens, and when the server says `resync`,
 *   the room asks GET /api/meetings/{n}/activities?since=cursor() and hands the answer (only what changed
 *   since, `{activities, cursor, ended_at}`) to `onCatchUp`.
 * After "ended" no socket is open and none is opened again.
 */
export function openRoom(number, hooks = {}) {
  const { join = false, history = 50 } = hooks;
  const seen = new Set();
  let lastSeq = 0;
  let ended = false;
  let socket = null;

  function chat(msg) {
    if (typeof msg.seq !== "number" || seen.has(msg.seq)) return;
    seen.add(msg.seq);
    lastSeq = Math.max(lastSeq, msg.seq);
    hooks.onChat?.(msg);
  }

  function end(data) {
    if (ended) return;
    ended = true;
    clearInterval(lostTimer);
    socket?.stop();
    hooks.onState?.("ended");
    hooks.onEnded?.(data);
  }

  // One catch-up at a time; asked again meanwhile, it runs once more after. A failure retries with
  // backoff (storage may be coming back), a refusal (4xx) does not.
  let catching = false;
  let again = false;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function catchUp() {
    if (!hooks.onCatchUp || ended) return;
    if (catching) {
      again = true;
      return;
    }
    catching = true;
    let delay = 500;
    try {
      do {
        again = false;
        const since = hooks.cursor?.() ?? "";
        try {
          const query = since ? `?since=${encodeURIComponent(since)}` : "";
          const answer = await api("GET", `/api/meetings/${number}/activities${query}`);
          if (ended) return;
          hooks.onCatchUp(answer);
          // The ended frame may have been lost too.
          if (answer.ended_at) return end(null);
        } catch (error) {
          if (error.status >= 400 && error.status < 500 && error.status !== 429) return;
          again = true;
          await sleep(delay);
          delay = Math.min(delay * 2, 8000);
        }
      } while (again && !ended);
    } finally {
      catching = false;
    }
  }

  // While the socket is down (a process gone, the broker down, the backoff growing), storage may
  // still answer: keep the activities current over HTTP until the next hello.
  const LOST_CATCH_UP_MS = 3000;
  const RESYNC_SPREAD_MS = 1500;
  let lostTimer = null;
  function whileLost(lost) {
    clearInterval(lostTimer);
    lostTimer = lost && !ended && hooks.onCatchUp ? setInterval(catchUp, LOST_CATCH_UP_MS) : null;
  }

  const dispatch = {
    hello(frame) {
      whileLost(false);
      hooks.onState?.("open");
      hooks.onHello?.(frame);
      catchUp();
    },
    // Every client of the meeting hears it at once (once per process that reconnected): spread them.
    resync: () => setTimeout(catchUp, Math.random() * RESYNC_SPREAD_MS),
    chat,
    presence: (frame) => hooks.onPresence?.(frame.online ?? [], frame),
    error: (frame) => (hooks.onError ? hooks.onError(frame) : toast(frame.message ?? t("common.error"), "error")),
    activity(frame) {
      if (frame.kind === "meeting" && frame.event === "ended") return end(frame.data);
      hooks.onActivity?.(frame);
    },
  };

  async function load() {
    try {
      return await api("GET", `/api/meetings/${number}`);
    } catch (error) {
      // A non-attendee may be told 403, or 404 as for a free number (nothing tells the two apart).
      if (![403, 404].includes(error.status) || !join) throw error;
    }
    // Not an attendee yet: opening the link is how people join (a free number is 404 here too).
    // A passcode typed on the home page for this number (入会密码) goes with the join.
    const passcode = sessionStorage.getItem(`hub:passcode:${number}`);
    const meeting = await api("POST", `/api/meetings/${number}/join`, passcode ? { passcode } : undefined);
    hooks.onJoined?.(meeting);
    return meeting;
  }

  async function readHistory() {
    // The latest messages: ask where the end is, then read the last page up to it.
    const head = await api("GET", `/api/meetings/${number}/messages?limit=1`);
    const after = Math.max(0, (head.last_seq ?? 0) - history);
    if (history > 0 && head.last_seq > after) {
      const page = await api("GET", `/api/meetings/${number}/messages?after=${after}&limit=${history}`);
      for (const msg of page.messages ?? []) chat(msg);
    }
    lastSeq = Math.max(lastSeq, after);
  }

  async function onClose(event) {
    if (ended) return;
    if (event.code === CLOSE_MEETING_ENDED) return end(null);
    // Any other 4xxx: refused for good (reconnectingSocket gives up); else it retries with backoff.
    const final = event.code >= 4000 && event.code < 4500;
    hooks.onState?.(final ? "closed" : "lost");
    if (!final) whileLost(true);
    // A server may also refuse an ended meeting before the upgrade (1006 here): ask, do not retry forever.
    try {
      const meeting = await api("GET", `/api/meetings/${number}`);
      if (meeting.ended_at) end(meeting);
    } catch {
      /* offline: keep retrying */
    }
  }

  function connect() {
    socket = reconnectingSocket(() => `/ws/meetings/${number}?after=${lastSeq}`, {
      onMessage: (frame) => {
        dispatch[frame.type]?.(frame);
        // Every frame as a DOM event too, so a page module can follow frames it does not own
        // (the organizer's present buttons follow `presenting` and new activities).
        document.dispatchEvent(new CustomEvent("hub:frame", { detail: frame }));
      },
      onClose,
    });
  }

  async function start() {
    const meeting = await load();
    hooks.onMeeting?.(meeting);
    try {
      await readHistory();
    } catch (error) {
      showError(error);
    }
    // An ended meeting shows what it was, and opens no socket at all.
    if (meeting.ended_at) end(meeting);
    if (!ended) connect();
    return meeting;
  }

  return {
    ready: start(),
    /** Send a frame now; false when the socket is not open (the caller resends after the next hello). */
    send: (frame) => socket?.send(frame) ?? false,
    get open() { return Boolean(socket?.open); },
    get ended() { return ended; },
    get lastSeq() { return lastSeq; },
    /** The meeting is over (e.g. our own "end" answer): stop for good. */
    end,
    /** Drop the connection now, as a network failure would, and reconnect with backoff. */
    drop: () => socket?.drop(),
    /** Re-read what changed in the activities now (the socket's (re)open does it by itself). */
    catchUp,
  };
}
