import PDFDocument from 'pdfkit';
import {
  buildReportDocument,
  evidenceLine,
  type Block,
  type Column,
  type Figure,
  type ReportDocument,
} from '../core/report/oversight-document.js';
import type { OversightReport } from '../core/report/oversight-model.js';
import { BAR_COLOR, countAxis, SERIES_COLORS } from '../core/report/svg-charts.js';

/*
 * The oversight report as a PDF, drawn with PDFKit (pure JavaScript: no browser on the server or
 * in CI). It renders the same format-neutral document as the Markdown and HTML renderers, with
 * tables laid out here and the charts drawn as vector paths. Outside src/core: it produces bytes.
 */

type Pdf = PDFKit.PDFDocument;

const MARGIN = 50;
const INK = '#1d2630';
const MUTED = '#46525e';
const RULE = '#dde3e9';
const SHADE = '#f1f4f7';
const TONES = { ok: '#3a9a5b', info: '#2f6fc4', warn: '#c9a227', bad: '#b8262b' } as const;

// The 14 standard PDF fonts encode WinAnsi (cp1252) only: what else a name holds is spelt out or replaced.
const CP1252_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const SPELLED: Record<string, string> = { '→': '->', '←': '<-', '≥': '>=', '≤': '<=', '█': '#', '✓': 'ok', '×': 'x' };

/** Text the standard fonts can draw: cp1252 kept, a few symbols spelt out, anything else as "?". */
export function pdfText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if ((code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff) || CP1252_EXTRAS.has(ch)) out += ch;
    else if (ch === '\n' || ch === '\t') out += ' ';
    else out += SPELLED[ch] ?? '?';
  }
  return out;
}

/** Our prose marks code with backticks; on paper it is just text. */
const prose = (text: string): string => pdfText(text.replace(/`([^`]+)`/g, '$1'));

class Layout {
  readonly width: number;

  constructor(readonly doc: Pdf) {
    this.width = doc.page.width - 2 * MARGIN;
  }

  get bottom(): number {
    return this.doc.page.height - MARGIN;
  }

  /** Starts a new page unless `height` still fits on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  text(text: string, opts: { size?: number; bold?: boolean; color?: string; gap?: number; width?: number; x?: number } = {}): void {
    const { doc } = this;
    doc
      .font(opts.bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(opts.size ?? 9)
      .fillColor(opts.color ?? INK);
    doc.text(text, opts.x ?? MARGIN, doc.y, { width: opts.width ?? this.width });
    doc.y += opts.gap ?? 4;
  }

  heading(text: string, size: number): void {
    this.ensure(size * 4);
    this.doc.y += size * 0.6;
    this.text(pdfText(text), { size, bold: true, gap: 2 });
    this.doc
      .moveTo(MARGIN, this.doc.y)
      .lineTo(MARGIN + this.width, this.doc.y)
      .lineWidth(1)
      .strokeColor(INK)
      .stroke();
    this.doc.y += 6;
  }

  /** A shaded box with a coloured bar on the left, holding `text`. */
  box(text: string, color: string, size = 8.5): void {
    const { doc } = this;
    doc.font('Helvetica').fontSize(size);
    const h = doc.heightOfString(text, { width: this.width - 16 }) + 8;
    this.ensure(h + 4);
    const top = doc.y;
    doc.rect(MARGIN, top, this.width, h).fill(SHADE);
    doc.rect(MARGIN, top, 3, h).fill(color);
    doc.fillColor(INK).text(text, MARGIN + 10, top + 4, { width: this.width - 16 });
    doc.y = top + h + 6;
  }

  figures(list: readonly Figure[]): void {
    const { doc } = this;
    const perRow = 3;
    const gap = 6;
    const w = (this.width - gap * (perRow - 1)) / perRow;
    for (let i = 0; i < list.length; i += perRow) {
      const row = list.slice(i, i + perRow);
      doc.fontSize(10);
      const h = Math.max(...row.map((f) => doc.font('Helvetica-Bold').heightOfString(pdfText(f.value), { width: w - 10 }))) + 18;
      this.ensure(h + gap);
      const top = doc.y;
      row.forEach((f, k) => {
        const x = MARGIN + k * (w + gap);
        doc.rect(x, top, w, h).lineWidth(0.5).strokeColor(RULE).stroke();
        doc
          .font('Helvetica')
          .fontSize(7)
          .fillColor(MUTED)
          .text(pdfText(f.label), x + 5, top + 4, { width: w - 10, lineBreak: false, ellipsis: true });
        doc
          .font('Helvetica-Bold')
          .fontSize(10)
          .fillColor(INK)
          .text(pdfText(f.value), x + 5, top + 13, { width: w - 10 });
      });
      doc.y = top + h + gap;
    }
  }

  table(title: string | undefined, columns: readonly Column[], rows: readonly (readonly string[])[], empty: string): void {
    const { doc } = this;
    const titleHeight = title === undefined ? 0 : 16;
    if (rows.length === 0) {
      this.ensure(titleHeight + 16);
      if (title !== undefined) this.text(pdfText(title), { size: 9, bold: true, gap: 3 });
      this.text(pdfText(empty), { size: 8.5, color: MUTED, gap: 8 });
      return;
    }
    const size = columns.length > 7 ? 7 : 8;
    const pad = 3;
    const widths = columnWidths(doc, columns, rows, this.width, size, pad);
    const tableWidth = widths.reduce((s, w) => s + w, 0);
    const cells = (values: readonly string[], bold: boolean) => {
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(size);
      const texts = values.map(pdfText);
      const h = Math.max(...texts.map((t, i) => doc.heightOfString(t, { width: widths[i]! - 2 * pad }))) + 2 * pad;
      return { texts, h };
    };
    const draw = (values: readonly string[], header: boolean) => {
      const { texts, h } = cells(values, header);
      const top = doc.y;
      if (header) doc.rect(MARGIN, top, tableWidth, h).fill(SHADE);
      let x = MARGIN;
      texts.forEach((t, i) => {
        doc
          .font(header ? 'Helvetica-Bold' : 'Helvetica')
          .fontSize(size)
          .fillColor(INK)
          .text(t, x + pad, top + pad, { width: widths[i]! - 2 * pad, align: columns[i]?.numeric ? 'right' : 'left' });
        x += widths[i]!;
      });
      doc
        .moveTo(MARGIN, top + h)
        .lineTo(MARGIN + tableWidth, top + h)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke();
      doc.y = top + h;
    };
    const head = columns.map((c) => c.title);
    // The title, the header and the first row stay together.
    this.ensure(titleHeight + cells(head, true).h + cells(rows[0]!, false).h);
    if (title !== undefined) this.text(pdfText(title), { size: 9, bold: true, gap: 3 });
    draw(head, true);
    for (const r of rows) {
      const { h } = cells(r, false);
      if (doc.y + h > this.bottom) {
        doc.addPage();
        draw(head, true);
      }
      draw(r, false);
    }
    doc.y += 8;
  }

  bars(title: string, bars: readonly { label: string; value: number; display: string }[]): void {
    const { doc } = this;
    const row = 14;
    const labelW = 150;
    const valueW = 70;
    this.ensure(20 + Math.min(bars.length, 10) * row);
    this.text(pdfText(title), { size: 9, bold: true, gap: 3 });
    if (bars.length === 0) {
      this.text('nothing to show', { size: 8.5, color: MUTED, gap: 8 });
      return;
    }
    const max = Math.max(0, ...bars.map((b) => b.value));
    const span = this.width - labelW - valueW;
    for (const b of bars) {
      this.ensure(row);
      const top = doc.y;
      const w = max === 0 ? 0 : (b.value / max) * span;
      doc
        .font('Helvetica')
        .fontSize(8)
        .fillColor(INK)
        .text(pdfText(b.label), MARGIN, top + 2, { width: labelW - 8, align: 'right', lineBreak: false, ellipsis: true });
      if (w > 0) doc.rect(MARGIN + labelW, top + 2, Math.max(w, 1), row - 5).fill(BAR_COLOR);
      doc.fillColor(INK).text(pdfText(b.display), MARGIN + labelW + w + 4, top + 2, { width: valueW, lineBreak: false });
      doc.y = top + row;
    }
    doc.y += 8;
  }

  daily(title: string, days: readonly string[], series: readonly { name: string; values: readonly number[] }[]): void {
    const { doc } = this;
    const height = 150;
    const left = 34;
    this.ensure(height + 50);
    this.text(pdfText(title), { size: 9, bold: true, gap: 3 });
    const top = doc.y + 4;
    const plotW = this.width - left - 6;
    const totals = days.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
    const axis = countAxis(Math.max(0, ...totals));
    const x = (i: number) => MARGIN + left + (days.length <= 1 ? plotW / 2 : (i / (days.length - 1)) * plotW);
    const y = (v: number) => top + height - (v / axis.top) * height;
    doc.font('Helvetica').fontSize(7);
    for (let v = 0; v <= axis.top; v += axis.step) {
      doc
        .moveTo(MARGIN + left, y(v))
        .lineTo(MARGIN + left + plotW, y(v))
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke();
      doc.fillColor(MUTED).text(String(v), MARGIN, y(v) - 3, { width: left - 4, align: 'right', lineBreak: false });
    }
    const below = days.map(() => 0);
    series.forEach((s, k) => {
      const color = SERIES_COLORS[k % SERIES_COLORS.length]!;
      const upper = days.map((_, i) => below[i]! + (s.values[i] ?? 0));
      if (days.length === 1) {
        doc.rect(x(0) - 15, y(upper[0]!), 30, y(below[0]!) - y(upper[0]!)).fill(color);
      } else if (days.length > 1) {
        const points = [...upper.map((v, i) => [x(i), y(v)]), ...below.map((v, i) => [x(i), y(v)]).reverse()];
        doc.polygon(...points).fill(color);
      }
      upper.forEach((v, i) => (below[i] = v));
    });
    doc
      .moveTo(MARGIN + left, top + height)
      .lineTo(MARGIN + left + plotW, top + height)
      .lineWidth(0.8)
      .strokeColor('#888')
      .stroke();
    const every = Math.max(1, Math.ceil(days.length / 6));
    days.forEach((d, i) => {
      if (i % every !== 0 && i !== days.length - 1) return;
      if (i !== days.length - 1 && days.length - 1 - i < every / 2) return;
      doc.fillColor(MUTED).text(d.slice(5), x(i) - 20, top + height + 4, { width: 40, align: 'center', lineBreak: false });
    });
    let lx = MARGIN + left;
    const legendY = top + height + 16;
    series.forEach((s, k) => {
      doc.rect(lx, legendY, 8, 8).fill(SERIES_COLORS[k % SERIES_COLORS.length] ?? INK);
      doc.fillColor(INK).text(pdfText(s.name), lx + 11, legendY, { lineBreak: false });
      lx += 20 + doc.widthOfString(pdfText(s.name));
    });
    doc.y = legendY + 18;
  }

  block(b: Block): void {
    switch (b.kind) {
      case 'paragraph':
        return this.text(prose(b.text), { size: 8.5, gap: 6 });
      case 'figures':
        return this.figures(b.figures);
      case 'notice':
        return this.box(prose(b.text), TONES[b.tone], 9);
      case 'bars':
        return this.bars(b.title, b.bars);
      case 'daily':
        return this.daily(b.title, b.days, b.series);
      case 'table':
        return this.table(b.title, b.columns, b.rows, b.empty);
    }
  }
}

/**
 * Column widths. A numeric column is as wide as its widest value or header word. A text column
 * gets at least its longest unbreakable piece (capped, so one id cannot take the page; PDFKit
 * breaks lines at spaces and after hyphens) and then a fair share of what is left, short columns
 * whole first (water-filling), so timestamps and statuses stay on one line and long reasons wrap.
 * A table of numbers only stays narrow; one wider than the page is scaled down.
 */
function columnWidths(
  doc: Pdf,
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  total: number,
  size: number,
  pad: number,
): number[] {
  doc.fontSize(size);
  const measure = (font: string, text: string) => doc.font(font).widthOfString(text) + 2 * pad + 1;
  const pieces = (text: string) => text.split(/\s+|(?<=-)/).filter((p) => p !== '');
  const stats = columns.map((c, i) => {
    const title = pdfText(c.title);
    const body = rows.map((r) => pdfText(r[i] ?? ''));
    const headerWord = Math.max(...pieces(title).map((p) => measure('Helvetica-Bold', p)));
    const piece = Math.max(headerWord, ...body.flatMap((t) => pieces(t).map((p) => measure('Helvetica', p))));
    const line = Math.max(measure('Helvetica-Bold', title), ...body.map((t) => measure('Helvetica', t)));
    const bodyLine = Math.max(0, ...body.map((t) => measure('Helvetica', t)));
    return {
      numeric: c.numeric === true,
      min: c.numeric ? Math.min(Math.max(headerWord, bodyLine, 24), 100) : Math.min(piece, 120),
      want: line,
    };
  });
  const widths = stats.map((st) => st.min);
  let left = total - widths.reduce((s, w) => s + w, 0);
  const text = stats.flatMap((st, i) => (st.numeric ? [] : [i]));
  let open = text.filter((i) => stats[i]!.want > widths[i]!);
  while (left > 0.5 && open.length > 0) {
    const fair = left / open.length;
    const whole = open.filter((i) => stats[i]!.want - widths[i]! <= fair);
    if (whole.length === 0) {
      for (const i of open) widths[i]! += fair;
      left = 0;
      break;
    }
    for (const i of whole) {
      left -= stats[i]!.want - widths[i]!;
      widths[i] = stats[i]!.want;
    }
    open = open.filter((i) => !whole.includes(i));
  }
  if (left > 0 && text.length > 0) for (const i of text) widths[i]! += left / text.length;
  const sum = widths.reduce((s, w) => s + w, 0);
  return sum > total ? widths.map((w) => (w * total) / sum) : widths;
}

function drawDocument(doc: Pdf, d: ReportDocument): void {
  const l = new Layout(doc);
  l.text(pdfText(d.title), { size: 18, bold: true, gap: 6 });
  for (const f of d.header) l.text(`${pdfText(f.label)}: ${pdfText(f.value)}`, { size: 8.5, gap: 1 });
  doc.y += 6;
  l.box(pdfText(d.disclaimer), TONES.warn, 8);
  l.text('At a glance', { size: 10, bold: true, gap: 3 });
  l.figures(d.glance);
  for (const s of d.sections) {
    l.heading(`${s.number}. ${s.title}`, 13);
    l.text(prose(s.about), { size: 8.5, color: MUTED, gap: 4 });
    l.box(`Evidences: ${pdfText(evidenceLine(s.citations))}`, TONES.info, 7.5);
    for (const b of s.blocks) l.block(b);
  }
  l.heading('Obligations mapping', 13);
  l.text('Each section of this report and the provisions its records can help evidence.', { size: 8.5, color: MUTED });
  const cite = (list: { ref: string; gist: string }[]) => list.map((c) => `${c.ref}: ${c.gist}`).join('\n');
  l.table(
    undefined,
    [{ title: 'Section' }, { title: 'EU AI Act' }, { title: 'NIST AI RMF 1.0' }],
    d.mapping.map((m) => [m.section, cite(m.eu).replace(/\n/g, '; '), cite(m.nist).replace(/\n/g, '; ')]),
    '',
  );
  l.box(pdfText(d.disclaimer), TONES.warn, 8);
  for (const s of d.sources) l.text(pdfText(s), { size: 7.5, color: MUTED, gap: 2 });
}

function footers(doc: Pdf, title: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would make PDFKit open a new page: lift the margin first.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(7)
      .fillColor(MUTED)
      .text(`${pdfText(title)} - page ${i + 1} of ${range.count} - not legal advice`, MARGIN, doc.page.height - MARGIN + 16, {
        width: doc.page.width - 2 * MARGIN,
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins.bottom = margin;
  }
}

/** The report as PDF bytes (A4). */
export async function renderPdf(report: OversightReport): Promise<Buffer> {
  const d = buildReportDocument(report);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: pdfText(d.title),
      Subject: `Oversight report ${report.window.since} to ${report.window.until}`,
      Creator: `Tollgate ${report.tollgate_version}`,
      CreationDate: new Date(report.generated_at),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  drawDocument(doc, d);
  footers(doc, d.title);
  doc.end();
  return done;
}
