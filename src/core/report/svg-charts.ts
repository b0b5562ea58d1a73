/*
 * Two small charts as inline SVG, so an HTML report is one self-contained file: no script, no
 * external asset, and it prints as vectors. Every text that reaches the markup is escaped here.
 */

/** Escapes text for HTML and XML content and attribute values alike. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

export const SERIES_COLORS = ['#9aa5b1', '#2f6fc4', '#d9822b', '#3a9a5b', '#b8436b'];
export const BAR_COLOR = '#2f6fc4';

const FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="11"';

/** A label cut to fit its column, whole when it does. */
export function clip(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

/**
 * A count axis from zero: a round step (1, 2 or 5 times a power of ten, at least 1) giving at
 * most about four intervals, and the top of the axis, a multiple of it at or above `max`.
 */
export function countAxis(max: number): { top: number; step: number } {
  const raw = Math.max(max, 1) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((k) => k * power).find((s) => s >= raw) ?? 10 * power);
  return { top: Math.max(step, Math.ceil(max / step) * step), step };
}

const num = (x: number): string => (Math.round(x * 10) / 10).toString();

export interface Bar {
  label: string;
  value: number;
  display: string;
}

/** Horizontal bars, longest value full width; the printed value sits to the right of each bar. */
export function barChartSvg(title: string, bars: readonly Bar[], width = 640): string {
  const row = 22;
  const labelWidth = 200;
  const valueWidth = 90;
  const top = 8;
  const height = top + Math.max(bars.length, 1) * row + 8;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const span = width - labelWidth - valueWidth;
  const parts = bars.map((b, i) => {
    const y = top + i * row;
    const w = max === 0 ? 0 : (b.value / max) * span;
    return (
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(clip(b.label, 32))}</text>` +
      `<rect x="${labelWidth}" y="${y + 4}" width="${num(Math.max(w, b.value > 0 ? 1 : 0))}" height="${row - 8}" fill="${BAR_COLOR}"/>` +
      `<text x="${num(labelWidth + w + 6)}" y="${y + 15}">${escapeXml(b.display)}</text>`
    );
  });
  if (bars.length === 0) parts.push(`<text x="${labelWidth}" y="${top + 15}" fill="#666">nothing to show</text>`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT}>` +
    `<title>${escapeXml(title)}</title>${parts.join('')}</svg>`
  );
}

export interface Series {
  name: string;
  values: readonly number[];
}

/**
 * Stacked series per day as areas (columns when there is a single day), with a y axis from zero
 * to a round maximum, a handful of day labels and a legend.
 */
export function dailyChartSvg(title: string, days: readonly string[], series: readonly Series[], width = 640): string {
  const height = 220;
  const left = 44;
  const right = 12;
  const top = 10;
  const bottom = 46;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const totals = days.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const axis = countAxis(Math.max(0, ...totals));
  const y = (v: number) => top + plotH - (v / axis.top) * plotH;
  const x = (i: number) => (days.length <= 1 ? left + plotW / 2 : left + (i / (days.length - 1)) * plotW);
  const parts: string[] = [];

  for (let v = 0; v <= axis.top; v += axis.step) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#ddd"/>` +
        `<text x="${left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${num(v)}</text>`,
    );
  }

  const below = days.map(() => 0);
  series.forEach((s, k) => {
    const color = SERIES_COLORS[k % SERIES_COLORS.length]!;
    const upper = days.map((_, i) => below[i]! + (s.values[i] ?? 0));
    if (days.length === 1) {
      parts.push(
        `<rect x="${num(x(0) - 20)}" y="${num(y(upper[0]!))}" width="40" height="${num(y(below[0]!) - y(upper[0]!))}" fill="${color}"/>`,
      );
    } else if (days.length > 1) {
      const up = upper.map((v, i) => `${num(x(i))},${num(y(v))}`);
      const down = below.map((v, i) => `${num(x(i))},${num(y(v))}`).reverse();
      parts.push(`<polygon points="${[...up, ...down].join(' ')}" fill="${color}" fill-opacity="0.85" stroke="${color}"/>`);
    }
    upper.forEach((v, i) => (below[i] = v));
  });

  const every = Math.max(1, Math.ceil(days.length / 6));
  days.forEach((d, i) => {
    if (i % every !== 0 && i !== days.length - 1) return;
    if (i !== days.length - 1 && days.length - 1 - i < every / 2) return;
    // The first and last labels lean inwards so that neither is cut at the edge.
    const anchor = days.length === 1 ? 'middle' : i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle';
    parts.push(`<text x="${num(x(i))}" y="${top + plotH + 14}" text-anchor="${anchor}">${escapeXml(d.slice(5))}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);

  let lx = left;
  series.forEach((s, k) => {
    const color = SERIES_COLORS[k % SERIES_COLORS.length]!;
    parts.push(
      `<rect x="${lx}" y="${height - 16}" width="10" height="10" fill="${color}"/>` +
        `<text x="${lx + 14}" y="${height - 7}">${escapeXml(s.name)}</text>`,
    );
    lx += 24 + s.name.length * 7;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT}>` +
    `<title>${escapeXml(title)}</title>${parts.join('')}</svg>`
  );
}
