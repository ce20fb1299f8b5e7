// The projector view: a chat wall, the activity touched last (poll bars, lottery reveal), the QR.
// The wire (load, history, socket, resume, ended) is room.js, shared with the meeting page.
import { Board } from "./activities/board.js";
import { avatar, config, el, showError, t } from "./common.js";
import { openRoom } from "./room.js";

const number = config.number;
const WALL = 30;
const $ = (id) => document.getElementById(id);
const wall = $("messages");
const stage = new Board($("stage"), { number, me: config.user, stage: true });

function addMessage(msg) {
  wall.append(el("li", { class: "msg" }, avatar(msg.user, "avatar"),
    el("div", {}, el("div", { class: "who", text: msg.user?.name ?? "" }), el("div", { class: "bubble", text: msg.text }))));
  while (wall.children.length > WALL) wall.firstElementChild.remove();
  wall.scrollTop = wall.scrollHeight;
}

function setOnline(users) {
  $("online-count").textContent = t("meeting.online", { n: users.length });
}

/** The meeting is over: say so on the wall; the room has closed its socket for good. */
function showEnded() {
  $("ended-banner").hidden = false;
  document.body.dataset.ended = "1";
  stage.setRole({ organizer: false, ended: true });
}

async function main() {
  const room = openRoom(number, {
    join: true,
    history: WALL,
    onMeeting(meeting) {
      $("meeting-title").textContent = meeting.title;
      stage.setAll(meeting.activities);
      setOnline(meeting.online ?? []);
    },
    onChat: addMessage,
    onPresence: setOnline,
    onActivity: (frame) => stage.applyFrame(frame),
    onEnded: showEnded,
  });
  window.hubScreen = { room };
  try {
    await room.ready;
  } catch (error) {
    // An ended meeting refuses a newcomer's join with 409: that is the ended state too.
    if (error.status === 409) return showEnded();
    showError(error);
  }
}

main();
