import { buildReportDocument, evidenceLine, type Block, type DocSection, type Figure } from './oversight-document.js';
import type { OversightReport } from './oversight-model.js';
import { barChartSvg, dailyChartSvg, escapeXml } from './svg-charts.js';

/*
 * One self-contained HTML file: inline CSS, charts as inline SVG, no script and nothing fetched,
 * so it opens offline, survives an email attachment and prints. Every string from the store
 * (project, rule, queue and session names, reviewer ids, reasons) is escaped.
 */

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #1d2630; margin: 0 auto; max-width: 960px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 32px 0 4px; padding-top: 8px; border-top: 2px solid #1d2630; }
h3 { font-size: 14px; margin: 16px 0 6px; }
p { margin: 6px 0; }
.about { color: #46525e; }
.evidence { font-size: 12px; color: #46525e; background: #f1f4f7; padding: 4px 8px; border-left: 3px solid #2f6fc4; }
.disclaimer { font-size: 12px; border: 1px solid #c9a227; background: #fdf8e6; padding: 8px 10px; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 6px; margin: 10px 0; }
dl.figures div { border: 1px solid #dde3e9; padding: 6px 8px; border-radius: 3px; }
dl.figures dt { font-size: 11px; color: #46525e; }
dl.figures dd { margin: 0; font-size: 16px; font-weight: bold; overflow-wrap: anywhere; }
dl.header { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0 12px; }
dl.header dt { font-weight: bold; }
dl.header dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12px; }
th, td { border-bottom: 1px solid #dde3e9; padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th:not(.n), td:not(.n) { min-width: 6em; }
th { background: #f1f4f7; }
td.n, th.n { text-align: right; }
td.n { white-space: nowrap; }
.empty { color: #6b7682; font-style: italic; }
.notice { padding: 6px 10px; margin: 8px 0; border-left: 4px solid; }
.notice.ok { border-color: #3a9a5b; background: #edf7f0; }
.notice.info { border-color: #2f6fc4; background: #eef4fb; }
.notice.warn { border-color: #c9a227; background: #fdf8e6; }
.notice.bad { border-color: #b8262b; background: #fbeced; font-weight: bold; }
figure { margin: 8px 0 12px; }
figcaption { font-size: 12px; font-weight: bold; margin-bottom: 2px; }
svg { max-width: 100%; height: auto; }
code { font-family: Menlo, Consolas, monospace; font-size: 12px; background: #f1f4f7; padding: 0 3px; }
footer { margin-top: 32px; font-size: 12px; color: #46525e; }
@media print {
  body { max-width: none; padding: 0; font-size: 12px; }
  h2, h3, figcaption { break-after: avoid; }
  tr, figure, .notice, dl.figures { break-inside: avoid; }
  thead { display: table-header-group; }
  @page { size: A4; margin: 16mm; }
}
`;

/** Escaped text in which `backticks` become code. */
function inline(text: string): string {
  return escapeXml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function figures(list: readonly Figure[], cls: string): string {
  const items = list.map((f) => `<div><dt>${inline(f.label)}</dt><dd>${inline(f.value)}</dd></div>`).join('');
  return `<dl class="${cls}">${items}</dl>`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${inline(b.text)}</p>`;
    case 'figures':
      return figures(b.figures, 'figures');
    case 'notice':
      return `<p class="notice ${b.tone}">${inline(b.text)}</p>`;
    case 'bars':
      return `<figure><figcaption>${inline(b.title)}</figcaption>${barChartSvg(b.title, b.bars)}</figure>`;
    case 'daily':
      return `<figure><figcaption>${inline(b.title)}</figcaption>${dailyChartSvg(b.title, b.days, b.series)}</figure>`;
    case 'table': {
      const title = b.title === undefined ? '' : `<h3>${inline(b.title)}</h3>`;
      if (b.rows.length === 0) return `${title}<p class="empty">${inline(b.empty)}</p>`;
      const cls = (numeric: boolean | undefined) => (numeric ? ' class="n"' : '');
      const head = b.columns.map((c) => `<th${cls(c.numeric)}>${inline(c.title)}</th>`).join('');
      const rows = b.rows
        .map((r) => `<tr>${r.map((cell, i) => `<td${cls(b.columns[i]?.numeric)}>${escapeXml(cell)}</td>`).join('')}</tr>`)
        .join('');
      return `${title}<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
  }
}

function section(s: DocSection): string {
  return (
    `<section id="${s.key}"><h2>${s.number}. ${inline(s.title)}</h2>` +
    `<p class="about">${inline(s.about)}</p>` +
    `<p class="evidence"><strong>Evidences:</strong> ${inline(evidenceLine(s.citations))}</p>` +
    s.blocks.map(block).join('\n') +
    `</section>`
  );
}

export function renderHtml(report: OversightReport): string {
  const doc = buildReportDocument(report);
  const cite = (list: { ref: string; gist: string }[]) =>
    list.map((c) => `<strong>${escapeXml(c.ref)}</strong>: ${escapeXml(c.gist)}`).join('<br>');
  const mapping =
    `<table><thead><tr><th>Section</th><th>EU AI Act</th><th>NIST AI RMF 1.0</th></tr></thead><tbody>` +
    doc.mapping.map((m) => `<tr><td>${escapeXml(m.section)}</td><td>${cite(m.eu)}</td><td>${cite(m.nist)}</td></tr>`).join('') +
    `</tbody></table>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(doc.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<header><h1>${escapeXml(doc.title)}</h1>${figures(doc.header, 'header')}`,
    `<p class="disclaimer"><strong>Not legal advice.</strong> ${escapeXml(doc.disclaimer.replace(/^Not legal advice\. /, ''))}</p>`,
    `<h3>At a glance</h3>${figures(doc.glance, 'figures')}</header>`,
    ...doc.sections.map(section),
    `<section id="obligations"><h2>Obligations mapping</h2>`,
    `<p class="about">Each section of this report and the provisions its records can help evidence.</p>${mapping}`,
    `<p class="disclaimer">${escapeXml(doc.disclaimer)}</p>`,
    `<footer>${doc.sources.map((s) => `<p>${escapeXml(s)}</p>`).join('')}</footer></section>`,
    '</body></html>',
    '',
  ].join('\n');
}
