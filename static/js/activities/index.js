// The one list of activity kinds in the browser. A new kind: its module, one import, one entry.
// The server sends its own list in the page config (`kinds`); the board warns if the two differ.
import lottery from "./lottery.js";
import poll from "./poll.js";
import rating from "./rating.js";
import redpacket from "./redpacket.js";

/** kind name -> its module ({kind, plural, mine, title, render, createBody}). */
export const KINDS = new Map([
  poll,
  lottery,
  rating,
  redpacket,
].map((kind) => [kind.kind, kind]));
