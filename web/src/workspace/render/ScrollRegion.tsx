import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A region of bounded height. Once its content overflows it joins the tab order, so keyboard
 * users can scroll it (axe: scrollable-region-focusable); while it fits it is no extra tab stop.
 */
export function ScrollRegion({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  const outer = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);

  useLayoutEffect(() => {
    const el = outer.current;
    const content = inner.current;
    if (!el || !content) return;
    const measure = () => setOverflows(el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    // The outer box stops growing at its max-height, so the content is what must be watched.
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    ro.observe(content);
    return () => ro.disconnect();
  }, []);

  return (
    <div
      ref={outer}
      role="region"
      aria-label={label}
      tabIndex={overflows ? 0 : undefined}
      className={`tg-scroll${className ? ` ${className}` : ''}`}
      data-scroll-region=""
    >
      <div ref={inner}>{children}</div>
    </div>
  );
}
