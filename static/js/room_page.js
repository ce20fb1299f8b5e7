// One live room's page: copy the mini-program path; for admins, pin/unpin and fetch the replay now.
import { api, showError, t, toast } from "./common.js";

const article = document.getElementById("live-room");
const roomid = article.dataset.roomid;

document.getElementById("copy-path").addEventListener("click", async () => {
  const path = document.getElementById("live-room-path").textContent;
  try {
    await navigator.clipboard.writeText(path);
    toast(t("live.path_copied"), "ok");
  } catch {
    // No clipboard (plain http, or refused): select the text so a long press copies it.
    getSelection().selectAllChildren(document.getElementById("live-room-path"));
  }
});

/** Run an admin action, say it worked, then show the room as the server now has it. */
async function act(button, call, done) {
  button.disabled = true;
  try {
    await call();
    toast(done, "ok");
    location.reload();
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}

const pin = document.getElementById("toggle-pin");
if (pin) {
  const pinned = article.dataset.isTop === "1";
  pin.addEventListener("click", () =>
    act(pin, () => api("PUT", `/api/admin/live/rooms/${roomid}/pin`, { is_top: pinned ? 0 : 1 }), t(pinned ? "live.unpinned" : "live.pinned")),
  );
}
const fetchReplay = document.getElementById("fetch-replay");
if (fetchReplay) {
  fetchReplay.addEventListener("click", () =>
    act(fetchReplay, () => api("POST", `/api/admin/live/rooms/${roomid}/replay`), t("live.replay_fetched")),
  );
}
