import { readFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { SECTIONS, SECTION_KEYS } from '../../src/core/report/obligations.js';
import { buildReportDocument, evidenceLine } from '../../src/core/report/oversight-document.js';
import type { OversightReport } from '../../src/core/report/oversight-model.js';
import { renderHtml } from '../../src/core/report/render-html.js';
import { mdText, renderMarkdown } from '../../src/core/report/render-markdown.js';
import { duration, percent } from '../../src/core/report/report-format.js';
import { barChartSvg, countAxis, dailyChartSvg, escapeXml } from '../../src/core/report/svg-charts.js';
import { pdfText, renderPdf } from '../../src/report/render-pdf.js';

const EVIL = '<script>alert(1)</script>';
const zero = { qualifying: 0, active: 0, recalibrating: 0, suspended: 0, not_held: 0 };
const none = { count: 0, by_action: [], latest: [] };

/** A report as the service builds it, with a hostile string in every place a name can reach. */
function fixture(): OversightReport {
  return {
    report: 'oversight',
    format_version: 1,
    project: { id: 'p1', name: `Project ${EVIL}`, description: null },
    window: { since: '2026-11-01T00:00:00.000Z', until: '2026-11-03T00:00:00.000Z', days: 2 },
    generated_at: '2026-11-03T00:00:00.000Z',
    tollgate_version: '0.1.0',
    routing: {
      captured: 10,
      passed: 6,
      reviewed: 3,
      held: 1,
      routed_share: 0.4,
      per_rule: [{ rule: EVIL, action: 'review', matched: 3, routed: 3, over_budget: 0 }],
      per_band: [{ band: 'medium', min_priority: 40, max_priority: 69, captured: 10, passed: 6, reviewed: 3, held: 1 }],
      daily: [
        { day: '2026-11-01', captured: 4, passed: 2, reviewed: 1, held: 1 },
        { day: '2026-11-02', captured: 6, passed: 4, reviewed: 2, held: 0 },
      ],
    },
    holds: {
      held: 1,
      outcomes: { approved: 1, corrected: 0, rejected: 0, timed_out: 0, pending: 0, other: 0 },
      escalated_on_timeout: 0,
      time_to_decision: { count: 1, median_seconds: 90, p90_seconds: 90, max_seconds: 90 },
    },
    human_decisions: {
      routed: 4,
      outcomes: { approved: 2, corrected: 1, rejected: 1, timed_out: 0, pending: 0, other: 0 },
      decided_by_people: 4,
      approval_rate: 0.5,
      correction_rate: 0.25,
      rejection_rate: 0.25,
      override_rate: 0.5,
      judgments: { total: 4, approve: 2, correct: 1, reject: 1, other: 0 },
    },
    fallbacks: { timed_out: 0, fallback_approve: 0, fallback_reject: 0, escalated_on_timeout: 0, escalations: [], adjudications: 0 },
    sla: { queues: [{ queue: EVIL, due: 2, breached: 1, breach_rate: 0.5 }], due: 2, breached: 1, breach_rate: 0.5, breaches_recorded: [] },
    reviewers: {
      default_standing_note: 'A reviewer with no recorded standing change counts as active.',
      totals: { judgments: 4, by_standing: { ...zero, active: 3, suspended: 1 } },
      reviewers: [
        {
          reviewer: `key:${EVIL}`,
          role: 'reviewer',
          judgments: 4,
          by_standing: { ...zero, active: 3, suspended: 1 },
          verdicts: { approve: 2, correct: 1, reject: 1, other: 0 },
          gold: { correct: 3, total: 4, accuracy: 0.75 },
          calibration_judgments: 0,
          standing_changes: 1,
          standing_at_end: 'suspended',
        },
      ],
      standing_changes: [
        { at: '2026-11-02T10:00:00.000Z', reviewer: `key:${EVIL}`, from: null, to: 'suspended', by: 'key:m', reason: `| ${EVIL} |` },
      ],
      standing_changes_truncated: false,
      calibration_sessions: [],
    },
    versions: {
      policy: [
        {
          version: 1,
          created_at: '2026-10-01T00:00:00.000Z',
          created_by: 'key:m',
          from: '2026-11-01T00:00:00.000Z',
          to: null,
          summary: `1 rule: ${EVIL}`,
        },
      ],
      guidelines: [],
      rubric: [],
      items_by_policy_version: [{ version: 1, count: 10 }],
      judgments_by_guideline_version: [{ version: 0, count: 4 }],
      judgments_by_rubric_version: [{ version: 1, count: 4 }],
    },
    monitoring: { drift_alerts: none, red_team: none },
    audit: {
      verification: {
        ok: false,
        events_checked: 41,
        head: { pos: 41, hash: 'ab'.repeat(32) },
        problem: { pos: 12, seq: 12, message: 'position 12: event 12 was altered after it was sealed' },
        verified_at: '2026-11-03T00:00:00.000Z',
        elapsed_ms: 3,
      },
      checkpoints: { stored: 0, last_pos: null, last_signed_at: null },
      events_in_window: 41,
      by_action: [{ action: 'item.captured', count: 10 }],
    },
  };
}

describe('oversight report renderers', () => {
  it('maps every section to EU AI Act and NIST AI RMF provisions, and says it is not legal advice', () => {
    const doc = buildReportDocument(fixture());
    expect(doc.sections.map((s) => s.key)).toEqual([...SECTION_KEYS]);
    for (const key of SECTION_KEYS) {
      const frameworks = new Set(SECTIONS[key].citations.map((c) => c.framework));
      expect([...frameworks].sort(), key).toEqual(['EU AI Act', 'NIST AI RMF 1.0']);
    }
    const refs = SECTION_KEYS.flatMap((k) => SECTIONS[k].citations.map((c) => c.ref)).join(' ');
    for (const ref of [
      'Art. 12(1)',
      'Art. 14(4)(b)',
      'Art. 14(4)(d)',
      'Art. 14(4)(e)',
      'Art. 26(5)',
      'Art. 26(6)',
      'MANAGE 1.3',
      'MANAGE 2.4',
      'MANAGE 3.2',
      'MANAGE 4.1',
    ])
      expect(refs).toContain(ref);
    expect(evidenceLine(SECTIONS.holds.citations)).toBe('EU AI Act Art. 14(4)(d); Art. 14(4)(e) · NIST AI RMF 1.0 MANAGE 2.4; MANAGE 1.3');
    expect(doc.disclaimer).toMatch(/^Not legal advice\./);
  });

  it('is cited the same way in docs/oversight-report.md', async () => {
    const guide = await readFile(new URL('../../docs/oversight-report.md', import.meta.url), 'utf8');
    for (const key of SECTION_KEYS) for (const c of SECTIONS[key].citations) expect(guide, `${key}: ${c.ref}`).toContain(c.ref);
    expect(guide).toContain('Not legal advice');
  });

  it('escapes hostile names in HTML, SVG included, and fetches nothing', () => {
    const html = renderHtml(fixture());
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<link|src=["']|url\(/i);
    expect(html.match(/<section id="/g)).toHaveLength(SECTION_KEYS.length + 1);
    expect(html.match(/<strong>Evidences:<\/strong>/g)).toHaveLength(SECTION_KEYS.length);
    expect(html).toContain('<svg');
    expect(html).toContain('The audit chain is BROKEN: position 12: event 12 was altered after it was sealed');
    expect(html).toContain('No drift monitors or red-team campaigns are recorded for this project in this period.');
    expect(html).toContain('A very high approval rate can be a sign of reliance on the model (automation bias)');
    expect(html).toContain('1 production judgment(s) were submitted by reviewers who were not active at the time');
  });

  it('keeps Markdown inert: HTML as entities, pipes and emphasis escaped', () => {
    expect(mdText('a|b *c* _d_ [e](f) <g> & `h`')).toBe('a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;g&gt; &amp; \\`h\\`');
    const md = renderMarkdown(fixture());
    expect(md).not.toContain('<script');
    expect(md).toContain('| &lt;script&gt;alert(1)&lt;/script&gt; | review | 3 | 3 | 0 |');
    expect(md).toContain('\\| &lt;script&gt;alert(1)&lt;/script&gt; \\|');
    expect(md.match(/^_Evidences:_ /gm)).toHaveLength(SECTION_KEYS.length);
    expect(md).toContain('`tollgate audit verify --project ID --public-key audit.pub`');
    expect(md).toContain('| 0 (none published) | 4 |');
  });

  it('draws charts with escaped labels and round count axes', () => {
    const bars = barChartSvg('t', [{ label: EVIL, value: 2, display: '2' }]);
    expect(bars).not.toContain('<script');
    expect(bars).toContain('&lt;script&gt;');
    const daily = dailyChartSvg(EVIL, ['2026-11-01', '2026-11-02'], [{ name: EVIL, values: [1, 2] }]);
    expect(daily).not.toContain('<script');
    expect(daily).toContain('<polygon');
    expect(dailyChartSvg('one day', ['2026-11-01'], [{ name: 'a', values: [3] }])).toContain('<rect');
    expect(countAxis(0)).toEqual({ top: 1, step: 1 });
    expect(countAxis(5)).toEqual({ top: 6, step: 2 });
    expect(countAxis(37)).toEqual({ top: 40, step: 10 });
    expect(countAxis(1000)).toEqual({ top: 1000, step: 500 });
    expect(escapeXml(`"'&<>`)).toBe('&quot;&#39;&amp;&lt;&gt;');
  });

  it('formats figures the same everywhere', () => {
    expect([percent(null), percent(0.375), percent(1 / 7)]).toEqual(['—', '37.5%', '14.3%']);
    expect([duration(null), duration(45), duration(750), duration(7200), duration(90_000), duration(200_000)]).toEqual([
      '—',
      '45 s',
      '12 min 30 s',
      '2 h',
      '25 h',
      '2 d 7 h',
    ]);
  });

  it('renders a PDF with text the standard fonts can draw', async () => {
    expect(pdfText('a → b ≥ c ✓ “q” — é 漢')).toBe('a -> b >= c ok “q” — é ?');
    const bytes = await renderPdf(fixture());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(2);
    expect(pdf.getCreator()).toBe('Tollgate 0.1.0');
  });
});
