// Fitting content into a box that must never scroll: shrink type (down to the floor the CSS
// sets with max()), then let lists drop their least important items.

/** Shrink the box's `--fit` scale in steps until its content fits, or the floor is reached. */
export function shrinkToFit(box, { floor = 0.45, step = 0.05 } = {}) {
  let scale = 1;
  box.style.setProperty("--fit", "1");
  while (overflows(box) && scale - step >= floor) {
    scale = Math.round((scale - step) * 100) / 100;
    box.style.setProperty("--fit", String(scale));
  }
  return !overflows(box);
}

/** True when the box's content is taller (or wider) than the box. */
export function overflows(box) {
  return box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;
}

/**
 * Hide items of `list` from the `fromEnd` (or the start) until `box` fits; returns how many were
 * hidden. The chat wall drops its oldest messages, ranked lists their last rows.
 */
export function trimToFit(box, list, { fromStart = false, keep = 1 } = {}) {
  let hidden = 0;
  const items = [...list.children];
  while (overflows(box) && items.length - hidden > keep) {
    const item = fromStart ? items[hidden] : items[items.length - 1 - hidden];
    item.hidden = true;
    hidden += 1;
  }
  return hidden;
}
