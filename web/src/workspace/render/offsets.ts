/**
 * Turns the current selection inside highlight-mode content into offsets of `textOf(value)`,
 * for span annotation: `{start, end}` with `end` exclusive (the marked text is
 * `textOf(value).slice(start, end)`), or null when nothing inside `root` is selected. Relies on the `data-start` / `data-at` marks `HighlightedContent` renders.
 */
export function selectionOffsets(root: HTMLElement): { start: number; end: number } | null {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
  const start = pointOffset(root, range.startContainer, range.startOffset);
  const end = pointOffset(root, range.endContainer, range.endOffset);
  if (start === null || end === null || end <= start) return null;
  return { start, end };
}

function pointOffset(root: HTMLElement, node: Node, offset: number): number | null {
  const el = (node instanceof Element ? node : node.parentElement)?.closest<HTMLElement>('[data-start],[data-at]');
  if (el && root.contains(el)) {
    if (el.dataset['at'] !== undefined) return Number(el.dataset['at']);
    const before = document.createRange();
    before.selectNodeContents(el);
    before.setEnd(node, offset);
    return Number(el.dataset['start']) + before.toString().length;
  }
  // A point between runs (a triple click ends on a container): the first run after it.
  const point = document.createRange();
  point.setStart(node, offset);
  let last = 0;
  for (const run of root.querySelectorAll<HTMLElement>('[data-start]')) {
    const runStart = Number(run.dataset['start']);
    if (point.comparePoint(run, 0) >= 0) return runStart;
    last = runStart + (run.textContent ?? '').length;
  }
  return last;
}
