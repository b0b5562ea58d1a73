import { buildReportDocument, evidenceLine, type Block, type DocSection, type Figure } from './oversight-document.js';
import type { OversightReport } from './oversight-model.js';

/*
 * The report in Markdown: tables as tables, and charts as tables with a bar of block characters,
 * which read in a terminal and in any Markdown viewer. Strings from the store are escaped so a
 * name can neither break a table nor inject HTML into a viewer that renders it.
 */

/** Markdown-inert text: HTML special characters as entities, Markdown punctuation and pipes escaped. */
export function mdText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** Our own prose: `code` kept, everything else escaped. */
function inline(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? part : mdText(part)))
    .join('');
}

const BAR_WIDTH = 30;

function bar(value: number, max: number): string {
  if (max <= 0 || value <= 0) return '';
  return '█'.repeat(Math.max(1, Math.round((value / max) * BAR_WIDTH)));
}

function table(columns: readonly { title: string; numeric?: boolean }[], rows: readonly (readonly string[])[]): string {
  const head = `| ${columns.map((c) => inline(c.title)).join(' | ')} |`;
  const rule = `| ${columns.map((c) => (c.numeric ? '---:' : '---')).join(' | ')} |`;
  return [head, rule, ...rows.map((r) => `| ${r.map(mdText).join(' | ')} |`)].join('\n');
}

function figures(list: readonly Figure[]): string {
  return list.map((f) => `- **${inline(f.label)}:** ${mdText(f.value)}`).join('\n');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return inline(b.text);
    case 'figures':
      return figures(b.figures);
    case 'notice': {
      const mark = { ok: 'OK', info: 'Note', warn: 'Warning', bad: 'ALERT' }[b.tone];
      return `> **${mark}:** ${inline(b.text)}`;
    }
    case 'bars': {
      const max = Math.max(0, ...b.bars.map((x) => x.value));
      if (b.bars.length === 0) return `**${inline(b.title)}:** nothing to show.`;
      return `**${inline(b.title)}**\n\n${table(
        [{ title: 'Label' }, { title: 'Value', numeric: true }, { title: '' }],
        b.bars.map((x) => [x.label, x.display, bar(x.value, max)]),
      )}`;
    }
    case 'daily': {
      const totals = b.days.map((_, i) => b.series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
      const max = Math.max(0, ...totals);
      return `**${inline(b.title)}**\n\n${table(
        [
          { title: 'Day (UTC)' },
          ...b.series.map((s) => ({ title: s.name, numeric: true })),
          { title: 'Total', numeric: true },
          { title: '' },
        ],
        b.days.map((d, i) => [d, ...b.series.map((s) => String(s.values[i] ?? 0)), String(totals[i] ?? 0), bar(totals[i] ?? 0, max)]),
      )}`;
    }
    case 'table': {
      const title = b.title === undefined ? '' : `**${inline(b.title)}**\n\n`;
      return b.rows.length === 0 ? `${title}_${inline(b.empty)}_` : `${title}${table(b.columns, b.rows)}`;
    }
  }
}

function section(s: DocSection): string {
  return [
    `## ${s.number}. ${inline(s.title)}`,
    inline(s.about),
    `_Evidences:_ ${inline(evidenceLine(s.citations))}`,
    ...s.blocks.map(block),
  ].join('\n\n');
}

export function renderMarkdown(report: OversightReport): string {
  const doc = buildReportDocument(report);
  const cite = (list: { ref: string; gist: string }[]) => list.map((c) => `${c.ref}: ${c.gist}`).join('; ');
  return (
    [
      `# ${mdText(doc.title)}`,
      figures(doc.header),
      `> **${inline(doc.disclaimer)}**`,
      `**At a glance**\n\n${figures(doc.glance)}`,
      ...doc.sections.map(section),
      '## Obligations mapping',
      'Each section of this report and the provisions its records can help evidence.',
      table(
        [{ title: 'Section' }, { title: 'EU AI Act' }, { title: 'NIST AI RMF 1.0' }],
        doc.mapping.map((m) => [m.section, cite(m.eu), cite(m.nist)]),
      ),
      `> ${inline(doc.disclaimer)}`,
      doc.sources.map((s) => `- ${mdText(s)}`).join('\n'),
    ].join('\n\n') + '\n'
  );
}
