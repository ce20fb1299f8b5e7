// The one list of activity kinds in the browser. A new kind: its module, one import, one entry.
// The server sends its own list in the page config (`kinds`); the board warns if the two differ.
import checkin from "./checkin.js";
import lottery from "./lottery.js";
import poll from "./poll.js";
import question from "./question.js";
import quiz from "./quiz.js";
import rating from "./rating.js";
import redpacket from "./redpacket.js";
import wordcloud from "./wordcloud.js";

/** kind name -> its module ({kind, plural, mine, title, render, createBody}). */
export const KINDS = new Map([
  poll,
  lottery,
  rating,
  redpacket,
  wordcloud,
  quiz,
  checkin,
  question,
].map((kind) => [kind.kind, kind]));
