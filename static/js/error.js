// Error pages only need the shared top bar behaviour.
import "./common.js";
