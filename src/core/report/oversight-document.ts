import { DISCLAIMER, SECTIONS, SECTION_KEYS, SOURCES, type Citation, type SectionKey } from './obligations.js';
import { STANDINGS_AT_JUDGMENT, type OutcomeCounts, type OversightReport, type StandingAtJudgment } from './oversight-model.js';
import { count, duration, instant, percent } from './report-format.js';

/*
 * The report as a format-neutral document: sections of blocks (figures, tables, charts, notices)
 * holding plain, unescaped text. Markdown, HTML and PDF each render this one document, so the
 * three carry the same content and only the renderer knows its format's escaping.
 */

export interface Figure {
  label: string;
  value: string;
}

export interface Column {
  title: string;
  numeric?: boolean;
}

export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'figures'; figures: Figure[] }
  | { kind: 'table'; title?: string; columns: Column[]; rows: string[][]; empty: string }
  /** Horizontal bars; `display` is the value as printed beside the bar. */
  | { kind: 'bars'; title: string; bars: { label: string; value: number; display: string }[] }
  /** Stacked daily series, one colour per series. */
  | { kind: 'daily'; title: string; days: string[]; series: { name: string; values: number[] }[] }
  | { kind: 'notice'; tone: 'ok' | 'info' | 'warn' | 'bad'; text: string };

export interface DocSection {
  key: SectionKey;
  number: number;
  title: string;
  about: string;
  citations: Citation[];
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  header: Figure[];
  glance: Figure[];
  disclaimer: string;
  sections: DocSection[];
  /** The obligations mapping: one row per section. */
  mapping: { section: string; eu: Citation[]; nist: Citation[] }[];
  sources: string[];
}

/** `EU AI Act Art. 12(1), Art. 14(1) · NIST AI RMF 1.0 MANAGE 1.3`: a section's short "Evidences:" line. */
export function evidenceLine(citations: readonly Citation[]): string {
  const of = (framework: Citation['framework']) =>
    citations
      .filter((c) => c.framework === framework)
      .map((c) => c.ref)
      .join('; ');
  return `EU AI Act ${of('EU AI Act')} · NIST AI RMF 1.0 ${of('NIST AI RMF 1.0')}`;
}

const STANDING_LABELS: Record<StandingAtJudgment, string> = {
  qualifying: 'Qualifying',
  active: 'Active',
  recalibrating: 'Recalibrating',
  suspended: 'Suspended',
  not_held: 'Not held',
};

const outcomeBars = (o: OutcomeCounts) =>
  (
    [
      ['Approved', o.approved],
      ['Corrected', o.corrected],
      ['Rejected', o.rejected],
      ['Timed out', o.timed_out],
      ['Pending', o.pending],
      ...(o.other > 0 ? ([['Other (e.g. withdrawn)', o.other]] as const) : []),
    ] as const
  ).map(([label, value]) => ({ label, value, display: count(value) }));

export function buildReportDocument(r: OversightReport): ReportDocument {
  const sections = SECTION_KEYS.map((key, i): DocSection => {
    const meta = SECTIONS[key];
    return { key, number: i + 1, title: meta.title, about: meta.about, citations: meta.citations, blocks: BLOCKS[key](r) };
  });
  return {
    title: `Oversight report: ${r.project.name}`,
    header: [
      { label: 'Project', value: `${r.project.name} (${r.project.id})` },
      { label: 'Period', value: `${instant(r.window.since)} to ${instant(r.window.until)} (${r.window.days} days, UTC, end excluded)` },
      { label: 'Generated', value: instant(r.generated_at) },
      { label: 'Tollgate version', value: r.tollgate_version },
      { label: 'Scope', value: 'production items only: gold probes and manager-written gold items are left out' },
    ],
    glance: [
      { label: 'Outputs captured', value: count(r.routing.captured) },
      { label: 'Sent to people', value: percent(r.routing.routed_share) },
      { label: 'Held', value: count(r.holds.held) },
      { label: 'Override rate', value: percent(r.human_decisions.override_rate) },
      { label: 'Timeouts', value: count(r.fallbacks.timed_out) },
      { label: 'SLA breaches', value: `${count(r.sla.breached)} of ${count(r.sla.due)}` },
      { label: 'Audit chain', value: r.audit.verification.ok ? 'verified' : 'BROKEN' },
    ],
    disclaimer: DISCLAIMER,
    sections,
    mapping: sections.map((s) => ({
      section: `${s.number}. ${s.title}`,
      eu: s.citations.filter((c) => c.framework === 'EU AI Act'),
      nist: s.citations.filter((c) => c.framework === 'NIST AI RMF 1.0'),
    })),
    sources: SOURCES,
  };
}

const BLOCKS: Record<SectionKey, (r: OversightReport) => Block[]> = {
  routing: (r) => {
    const g = r.routing;
    return [
      {
        kind: 'figures',
        figures: [
          { label: 'Captured', value: count(g.captured) },
          { label: 'Passed', value: count(g.passed) },
          { label: 'Sent for review', value: count(g.reviewed) },
          { label: 'Held', value: count(g.held) },
          { label: 'Share sent to people', value: percent(g.routed_share) },
        ],
      },
      {
        kind: 'daily',
        title: 'Outputs per day, by what the policy decided',
        days: g.daily.map((d) => d.day),
        series: [
          { name: 'Passed', values: g.daily.map((d) => d.passed) },
          { name: 'Reviewed', values: g.daily.map((d) => d.reviewed) },
          { name: 'Held', values: g.daily.map((d) => d.held) },
        ],
      },
      {
        kind: 'bars',
        title: 'Items each rule sent to people',
        bars: g.per_rule.filter((x) => x.action !== 'pass').map((x) => ({ label: x.rule, value: x.routed, display: count(x.routed) })),
      },
      {
        kind: 'table',
        title: 'Per rule',
        columns: [
          { title: 'Rule' },
          { title: 'Action' },
          { title: 'Matched', numeric: true },
          { title: 'Routed', numeric: true },
          { title: 'Over budget', numeric: true },
        ],
        rows: g.per_rule.map((x) => [x.rule, x.action, count(x.matched), count(x.routed), count(x.over_budget)]),
        empty: 'No rule matched an item in this period.',
      },
      {
        kind: 'table',
        title: 'Per risk band (the highest priority among the rules an item matched)',
        columns: [
          { title: 'Band' },
          { title: 'Priority' },
          { title: 'Captured', numeric: true },
          { title: 'Passed', numeric: true },
          { title: 'Reviewed', numeric: true },
          { title: 'Held', numeric: true },
        ],
        rows: g.per_band.map((b) => [
          b.band,
          `${b.min_priority}–${b.max_priority}`,
          count(b.captured),
          count(b.passed),
          count(b.reviewed),
          count(b.held),
        ]),
        empty: 'No items.',
      },
    ];
  },

  holds: (r) => {
    const h = r.holds;
    const t = h.time_to_decision;
    return [
      {
        kind: 'figures',
        figures: [
          { label: 'Held', value: count(h.held) },
          { label: 'Escalated on timeout', value: count(h.escalated_on_timeout) },
          { label: 'Decided by a person', value: count(t.count) },
          { label: 'Median time to decision', value: duration(t.median_seconds) },
          { label: '90th percentile', value: duration(t.p90_seconds) },
          { label: 'Longest', value: duration(t.max_seconds) },
        ],
      },
      { kind: 'bars', title: 'How holds ended', bars: outcomeBars(h.outcomes) },
      {
        kind: 'paragraph',
        text: 'Time to decision runs from capture to the decision of a person; holds decided by their timeout are counted under timeouts instead.',
      },
    ];
  },

  human_decisions: (r) => {
    const d = r.human_decisions;
    return [
      {
        kind: 'figures',
        figures: [
          { label: 'Sent to people', value: count(d.routed) },
          { label: 'Decided by people', value: count(d.decided_by_people) },
          { label: 'Approved', value: percent(d.approval_rate) },
          { label: 'Corrected', value: percent(d.correction_rate) },
          { label: 'Rejected', value: percent(d.rejection_rate) },
          { label: 'Override rate (corrected or rejected)', value: percent(d.override_rate) },
        ],
      },
      { kind: 'bars', title: 'Outcomes of the outputs sent to people', bars: outcomeBars(d.outcomes) },
      {
        kind: 'table',
        title: 'Judgments submitted in the period',
        columns: [
          { title: 'Judgments', numeric: true },
          { title: 'Approve', numeric: true },
          { title: 'Correct', numeric: true },
          { title: 'Reject', numeric: true },
          { title: 'Other (comparisons, rankings)', numeric: true },
        ],
        rows: [[d.judgments.total, d.judgments.approve, d.judgments.correct, d.judgments.reject, d.judgments.other].map(count)],
        empty: '',
      },
      {
        kind: 'paragraph',
        text: 'Rates are shares of the outputs people decided. A very high approval rate can be a sign of reliance on the model (automation bias) or simply of a good model; read it with the gold accuracy of the reviewers below.',
      },
    ];
  },

  fallbacks: (r) => {
    const f = r.fallbacks;
    return [
      {
        kind: 'figures',
        figures: [
          { label: 'Holds timed out', value: count(f.timed_out) },
          { label: 'Fallback: approve', value: count(f.fallback_approve) },
          { label: 'Fallback: reject', value: count(f.fallback_reject) },
          { label: 'Escalated to experts on timeout', value: count(f.escalated_on_timeout) },
          { label: 'Adjudications (reviewers disagreed)', value: count(f.adjudications) },
        ],
      },
      {
        kind: 'table',
        title: 'Work escalated to experts in the period, by reason',
        columns: [{ title: 'Reason' }, { title: 'Escalations', numeric: true }],
        rows: f.escalations.map((e) => [e.reason, count(e.count)]),
        empty: 'Nothing was escalated to experts in this period.',
      },
    ];
  },

  sla: (r) => {
    const s = r.sla;
    return [
      {
        kind: 'figures',
        figures: [
          { label: 'Tasks due', value: count(s.due) },
          { label: 'Breached', value: count(s.breached) },
          { label: 'Breach rate', value: percent(s.breach_rate) },
        ],
      },
      {
        kind: 'bars',
        title: 'Breach rate per queue',
        bars: s.queues.map((q) => ({ label: q.queue, value: q.breach_rate ?? 0, display: percent(q.breach_rate) })),
      },
      {
        kind: 'table',
        title: 'Per queue (tasks whose SLA fell due in the period)',
        columns: [
          { title: 'Queue' },
          { title: 'Due', numeric: true },
          { title: 'Breached', numeric: true },
          { title: 'Breach rate', numeric: true },
        ],
        rows: s.queues.map((q) => [q.queue, count(q.due), count(q.breached), percent(q.breach_rate)]),
        empty: 'No queue had an SLA fall due in this period.',
      },
      {
        kind: 'table',
        title: 'Breaches recorded in the period (whenever due)',
        columns: [{ title: 'Queue' }, { title: 'Breaches', numeric: true }],
        rows: s.breaches_recorded.map((b) => [b.queue, count(b.count)]),
        empty: 'No SLA breach was recorded in this period.',
      },
    ];
  },

  reviewers: (r) => {
    const v = r.reviewers;
    const irregular = v.totals.by_standing.qualifying + v.totals.by_standing.recalibrating + v.totals.by_standing.suspended;
    const blocks: Block[] = [
      { kind: 'paragraph', text: v.default_standing_note },
      {
        kind: 'figures',
        figures: [
          { label: 'Judgments', value: count(v.totals.judgments) },
          ...STANDINGS_AT_JUDGMENT.map((s) => ({
            label: `By ${STANDING_LABELS[s].toLowerCase()} reviewers`,
            value: count(v.totals.by_standing[s]),
          })),
        ],
      },
    ];
    if (irregular > 0) {
      blocks.push({
        kind: 'notice',
        tone: 'warn',
        text: `${count(irregular)} production judgment(s) were submitted by reviewers who were not active at the time (a task claimed before their standing changed, judged after). Review them with the standing changes below.`,
      });
    }
    blocks.push(
      {
        kind: 'table',
        title: 'Per reviewer: judgments by standing at the time of judgment',
        columns: [
          { title: 'Reviewer' },
          { title: 'Role' },
          { title: 'Judgments', numeric: true },
          ...STANDINGS_AT_JUDGMENT.map((s) => ({ title: STANDING_LABELS[s], numeric: true })),
          { title: 'Gold accuracy', numeric: true },
          { title: 'Calibration answers', numeric: true },
          { title: 'Standing at end' },
        ],
        rows: v.reviewers.map((x) => [
          x.reviewer,
          x.role ?? '—',
          count(x.judgments),
          ...STANDINGS_AT_JUDGMENT.map((s) => count(x.by_standing[s])),
          x.gold === null ? '—' : `${percent(x.gold.accuracy)} (${x.gold.correct}/${x.gold.total})`,
          count(x.calibration_judgments),
          STANDING_LABELS[x.standing_at_end],
        ]),
        empty: 'Nobody judged in this period.',
      },
      {
        kind: 'table',
        title: v.standing_changes_truncated ? 'Standing changes in the period (the latest ones)' : 'Standing changes in the period',
        columns: [{ title: 'When' }, { title: 'Reviewer' }, { title: 'From' }, { title: 'To' }, { title: 'By' }, { title: 'Reason' }],
        rows: v.standing_changes.map((c) => [instant(c.at), c.reviewer, c.from ?? '(none recorded)', c.to, c.by, c.reason]),
        empty: 'No reviewer standing changed in this period.',
      },
      {
        kind: 'table',
        title: 'Calibration sessions open during the period',
        columns: [
          { title: 'Session' },
          { title: 'Status' },
          { title: 'Started' },
          { title: 'Closed' },
          { title: 'Members', numeric: true },
          { title: 'Answers in period', numeric: true },
        ],
        rows: v.calibration_sessions.map((c) => [
          c.name,
          c.status,
          instant(c.created_at),
          instant(c.closed_at),
          count(c.members),
          count(c.judgments_in_window),
        ]),
        empty: 'No calibration session was open in this period.',
      },
    );
    return blocks;
  },

  versions: (r) => {
    const v = r.versions;
    const inForce = (title: string, rows: OversightReport['versions']['policy'], empty: string): Block => ({
      kind: 'table',
      title,
      columns: [
        { title: 'Version', numeric: true },
        { title: 'Saved' },
        { title: 'By' },
        { title: 'In force from' },
        { title: 'Until' },
        { title: 'Content' },
      ],
      rows: rows.map((x) => [
        String(x.version),
        instant(x.created_at),
        x.created_by,
        instant(x.from),
        x.to === null ? 'end of period' : instant(x.to),
        x.summary,
      ]),
      empty,
    });
    const recorded = (title: string, what: string, rows: { version: number; count: number }[]): Block => ({
      kind: 'table',
      title,
      columns: [
        { title: 'Version', numeric: true },
        { title: what, numeric: true },
      ],
      rows: rows.map((x) => [x.version === 0 ? '0 (none published)' : String(x.version), count(x.count)]),
      empty: `No ${what.toLowerCase()} in this period.`,
    });
    return [
      inForce('Routing policy', v.policy, 'No policy version was in force.'),
      inForce('Reviewer guidelines', v.guidelines, 'No guidelines were published for this project by the end of the period.'),
      inForce('Rubric', v.rubric, 'No rubric version was in force.'),
      recorded('Policy version that routed each item', 'Items', v.items_by_policy_version),
      recorded('Guideline version each judgment was made under', 'Judgments', v.judgments_by_guideline_version),
      recorded('Rubric version each judgment was scored against', 'Judgments', v.judgments_by_rubric_version),
    ];
  },

  monitoring: (r) => {
    const m = r.monitoring;
    if (m.drift_alerts.count === 0 && m.red_team.count === 0) {
      return [
        {
          kind: 'notice',
          tone: 'info',
          text: 'No drift monitors or red-team campaigns are recorded for this project in this period.',
        },
      ];
    }
    const family = (name: string, f: OversightReport['monitoring']['drift_alerts']): Block[] => [
      {
        kind: 'table',
        title: `${name}: events by action`,
        columns: [{ title: 'Action' }, { title: 'Events', numeric: true }],
        rows: f.by_action.map((a) => [a.action, count(a.count)]),
        empty: `No ${name.toLowerCase()} are recorded for this project in this period.`,
      },
      {
        kind: 'table',
        title: `${name}: latest events`,
        columns: [{ title: 'When' }, { title: 'Action' }, { title: 'By' }, { title: 'Subject' }],
        rows: f.latest.map((e) => [instant(e.at), e.action, e.actor, `${e.subject_type} ${e.subject_id}`]),
        empty: '—',
      },
    ];
    return [...family('Drift alerts', m.drift_alerts), ...family('Red-team campaigns', m.red_team)];
  },

  audit: (r) => {
    const a = r.audit;
    const v = a.verification;
    return [
      v.ok
        ? {
            kind: 'notice',
            tone: 'ok',
            text: `The audit chain holds: ${count(v.events_checked)} events recomputed link by link${v.head === null ? '' : ` to position ${v.head.pos}`}, at ${instant(v.verified_at)}.`,
          }
        : { kind: 'notice', tone: 'bad', text: `The audit chain is BROKEN: ${v.problem?.message ?? 'unknown problem'}.` },
      {
        kind: 'figures',
        figures: [
          { label: 'Events checked (whole chain)', value: count(v.events_checked) },
          { label: 'Chain head', value: v.head === null ? '—' : `position ${v.head.pos}, ${v.head.hash}` },
          {
            label: 'Signed checkpoints stored',
            value:
              a.checkpoints.stored === 0
                ? 'none'
                : `${count(a.checkpoints.stored)}, latest at position ${a.checkpoints.last_pos} (${instant(a.checkpoints.last_signed_at)})`,
          },
          { label: 'Events recorded in the period', value: count(a.events_in_window) },
        ],
      },
      {
        kind: 'paragraph',
        text: 'Checkpoint signatures are checked with the auditor’s public key: `tollgate audit verify --project ID --public-key audit.pub` with read access to the database.',
      },
      {
        kind: 'table',
        title: 'Events recorded in the period, by action',
        columns: [{ title: 'Action' }, { title: 'Events', numeric: true }],
        rows: a.by_action.map((x) => [x.action, count(x.count)]),
        empty: 'No events were recorded in this period.',
      },
    ];
  },
};
