// The sign-in page only needs the shared top bar behaviour.
import "./common.js";
