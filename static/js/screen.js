// The projector view: a chat wall, the activity touched last (poll bars, lottery reveal), the QR.
import { Activities } from "./activities.js";
import { api, avatar, config, el, reconnectingSocket, showError, t } from "./common.js";

const number = config.number;
const WALL = 30;
const wall = document.getElementById("messages");
const stage = new Activities(document.getElementById("stage"), { number, me: config.user, stage: true });
let lastSeq = 0;

function addMessage(msg) {
  if (typeof msg.seq !== "number" || msg.seq <= lastSeq) return;
  lastSeq = msg.seq;
  wall.append(el("li", { class: "msg" }, avatar(msg.user, "avatar"),
    el("div", {}, el("div", { class: "who", text: msg.user?.name ?? "" }), el("div", { class: "bubble", text: msg.text }))));
  while (wall.children.length > WALL) wall.firstElementChild.remove();
  wall.scrollTop = wall.scrollHeight;
}

function setOnline(users) {
  document.getElementById("online-count").textContent = t("meeting.online", { n: users.length });
}

async function main() {
  let meeting;
  try {
    meeting = await api("GET", `/api/meetings/${number}`).catch(async (error) => {
      if (error.status === 403) return api("POST", `/api/meetings/${number}/join`);
      throw error;
    });
  } catch (error) {
    return showError(error);
  }
  document.getElementById("meeting-title").textContent = meeting.title;
  stage.setAll(meeting.activities);
  setOnline(meeting.online ?? []);
  const head = await api("GET", `/api/meetings/${number}/messages?limit=1`);
  lastSeq = Math.max(0, (head.last_seq ?? 0) - WALL);
  if (meeting.ended_at) return;
  reconnectingSocket(() => `/ws/meetings/${number}?after=${lastSeq}`, {
    onMessage(frame) {
      if (frame.type === "chat") addMessage(frame);
      else if (frame.type === "presence") setOnline(frame.online ?? []);
      else if (frame.type === "activity" && frame.kind !== "meeting") stage.applyFrame(frame);
    },
  });
}

main();
