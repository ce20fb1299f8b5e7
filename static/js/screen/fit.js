// Fitting content into a box that must never scroll: shrink type (down to the floor the CSS
// sets with max()), then let lists drop their least important items.

/**
 * Set the box's `--fit` scale to the largest that fits, from `top` (little content fills the
 * screen) down to `floor` (where the CSS floors keep body text at 2.5vh anyway).
 */
export function shrinkToFit(box, { top = 1.8, floor = 0.45, step = 0.05 } = {}) {
  let scale = top;
  box.style.setProperty("--fit", String(top));
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
