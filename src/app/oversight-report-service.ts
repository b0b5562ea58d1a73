import { assertCan, isFrontline } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import type { GuidelineDocument } from '../core/guidelines/guideline-validate.js';
import {
  RISK_BANDS,
  STANDINGS_AT_JUDGMENT,
  type ActionCounts,
  type OutcomeCounts,
  type OversightReport,
  type ReviewerRow,
  type ReviewerSection,
  type StandingAtJudgment,
  type VersionInForce,
} from '../core/report/oversight-model.js';
import { initialStanding, STANDING_STATUSES } from '../core/review/quality.js';
import { quantileSorted } from '../core/stats/quantile.js';
import { ROLES, type PolicyDocument, type Principal, type QualityConfig, type Role, type RubricDocument } from '../core/types.js';
import { getVersion } from '../store/project-repo.js';
import {
  checkpointSummary,
  countAuditActions,
  countByBand,
  countCalibrationJudgments,
  countDaily,
  countExpertTasks,
  countItemOutcomes,
  countItemsByPolicyVersion,
  countJudgments,
  countReviewerJudgments,
  countRules,
  countSlaBreaches,
  countSlaDue,
  holdDecisionTimes,
  keyRoles,
  latestAuditEvents,
  listSessionsInWindow,
  listStandingEvents,
  listVersionHeads,
  type JudgmentGroup,
  type OutcomeGroup,
  type ReportWindow,
  type StandingEvent,
  type VersionTable,
} from '../store/report-repo.js';
import { verifyAudit } from './audit-chain-service.js';
import type { AppContext } from './context.js';
import { goldAccuracyByReviewer } from './gold-service.js';
import { requireProject } from './project-service.js';

/** Without `since`, a report covers the 30 days before `until`. */
export const DEFAULT_REPORT_DAYS = 30;
/** Longer periods are several reports: the daily series and the per-day chart stay readable. */
export const MAX_REPORT_DAYS = 366;
const DAY_MS = 86_400_000;
const MAX_STANDING_CHANGES = 200;
const LATEST_EVENTS = 20;

export interface OversightQuery {
  since?: string;
  until?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function parseInstant(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new TollgateError('TG_VALIDATION_FAILED', `"${name}" must be an ISO 8601 timestamp`, {
      errors: [{ path: name, message: 'not a timestamp' }],
    });
  return ms;
}

/** The report's window: `until` defaults to now (this millisecond included), `since` to 30 days before. */
export function reportWindow(q: OversightQuery, now: number): ReportWindow {
  const until = parseInstant('until', q.until) ?? now + 1;
  const since = parseInstant('since', q.since) ?? until - DEFAULT_REPORT_DAYS * DAY_MS;
  if (since >= until) throw new TollgateError('TG_VALIDATION_FAILED', '"since" must be before "until"', { since: q.since, until: q.until });
  if (until - since > MAX_REPORT_DAYS * DAY_MS)
    throw new TollgateError('TG_VALIDATION_FAILED', `a report covers at most ${MAX_REPORT_DAYS} days: split a longer period`, {
      since: q.since,
      until: q.until,
    });
  return { since, until };
}

/**
 * The figures of the oversight report for one project and window, gathered from the store with
 * aggregate queries, and the project's audit chain verified. Reads only. Access is that of the
 * audit trail (`audit:read`): the report is a digest of it.
 */
export async function buildOversightReport(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  q: OversightQuery & { version: string },
): Promise<OversightReport> {
  assertCan(who, 'audit:read');
  const project = await requireProject(ctx.store, who, projectId);
  const now = ctx.clock();
  const w = reportWindow(q, now);
  const ex = ctx.store;

  const outcomes = await countItemOutcomes(ex, projectId, w);
  const judgments = await countJudgments(ex, projectId, w);
  const versions = await versionsInForce(ctx, projectId, w);
  const reviewers = await reviewerSection(ctx, projectId, w, judgments, versions.policyDefaults);
  const verification = await verifyAudit(ex, { chain: projectId, now });
  const chain = verification.chains[0];

  return {
    report: 'oversight',
    format_version: 1,
    project: { id: project.id, name: project.name, description: project.description },
    window: { since: iso(w.since), until: iso(w.until), days: Math.round(((w.until - w.since) / DAY_MS) * 100) / 100 },
    generated_at: iso(now),
    tollgate_version: q.version,
    routing: await routingSection(ctx, projectId, w, outcomes),
    holds: await holdSection(ctx, projectId, w, outcomes),
    human_decisions: humanDecisions(outcomes, judgments),
    fallbacks: await fallbackSection(ctx, projectId, w, outcomes),
    sla: await slaSection(ctx, projectId, w),
    reviewers,
    versions: {
      policy: versions.policy,
      guidelines: versions.guidelines,
      rubric: versions.rubric,
      items_by_policy_version: await countItemsByPolicyVersion(ex, projectId, w),
      judgments_by_guideline_version: sumBy(judgments, (j) => j.guideline_version),
      judgments_by_rubric_version: sumBy(judgments, (j) => j.rubric_version),
    },
    monitoring: {
      drift_alerts: await eventFamily(ctx, projectId, w, 'alert.'),
      red_team: await eventFamily(ctx, projectId, w, 'campaign.'),
    },
    audit: {
      verification: {
        ok: verification.ok,
        events_checked: verification.events_checked,
        head: chain?.head ?? null,
        problem: chain?.problem ?? null,
        verified_at: iso(now),
        elapsed_ms: verification.elapsed_ms,
      },
      checkpoints: await checkpointSummary(ex, projectId).then((c) => ({
        ...c,
        last_signed_at: c.last_signed_at === null ? null : iso(c.last_signed_at),
      })),
      ...(await auditActivity(ctx, projectId, w)),
    },
  };
}

function sumBy<T extends { count: number }>(rows: readonly T[], key: (row: T) => number): { version: number; count: number }[] {
  const out = new Map<number, number>();
  for (const r of rows) out.set(key(r), (out.get(key(r)) ?? 0) + r.count);
  return [...out.entries()].sort(([a], [b]) => a - b).map(([version, count]) => ({ version, count }));
}

const emptyActions = (): ActionCounts => ({ captured: 0, passed: 0, reviewed: 0, held: 0 });

function addAction(c: ActionCounts, action: string, count: number): void {
  c.captured += count;
  if (action === 'pass') c.passed += count;
  else if (action === 'review') c.reviewed += count;
  else if (action === 'hold') c.held += count;
}

async function routingSection(ctx: AppContext, projectId: string, w: ReportWindow, outcomes: OutcomeGroup[]) {
  const totals = emptyActions();
  for (const g of outcomes) addAction(totals, g.action, g.count);

  const bands = new Map(RISK_BANDS.map((b) => [b.band as string, emptyActions()]));
  for (const r of await countByBand(ctx.store, projectId, w)) addAction(bands.get(r.band) ?? emptyActions(), r.action, r.count);

  const firstDay = Math.floor(w.since / DAY_MS);
  const lastDay = Math.floor((w.until - 1) / DAY_MS);
  const days = new Map<number, ActionCounts>();
  for (let d = firstDay; d <= lastDay; d++) days.set(d, emptyActions());
  for (const r of await countDaily(ctx.store, projectId, w)) addAction(days.get(r.day) ?? emptyActions(), r.action, r.count);

  const rules = (await countRules(ctx.store, projectId, w)).sort((a, b) => b.matched - a.matched || a.rule.localeCompare(b.rule));
  return {
    ...totals,
    routed_share: share(totals.reviewed + totals.held, totals.captured),
    per_rule: rules.map((r) => ({ ...r, action: r.action as 'pass' | 'review' | 'hold' })),
    per_band: RISK_BANDS.map((b) => ({ band: b.band, min_priority: b.min_priority, max_priority: b.max_priority, ...bands.get(b.band)! })),
    daily: [...days.entries()].map(([d, c]) => ({ day: iso(d * DAY_MS).slice(0, 10), ...c })),
  };
}

function outcomeCounts(groups: readonly OutcomeGroup[]): OutcomeCounts {
  const o: OutcomeCounts = { approved: 0, corrected: 0, rejected: 0, timed_out: 0, pending: 0, other: 0 };
  for (const g of groups) o[g.status in o ? (g.status as keyof OutcomeCounts) : 'other'] += g.count;
  return o;
}

async function holdSection(ctx: AppContext, projectId: string, w: ReportWindow, outcomes: OutcomeGroup[]) {
  const holds = outcomes.filter((g) => g.action === 'hold');
  // Type 7 quantiles (the repo's convention, see quantile.ts) need the two order statistics around each.
  const ranks = (count: number) => [0.5, 0.9].flatMap((p) => [Math.floor((count - 1) * p), Math.floor((count - 1) * p) + 1]);
  const times = await holdDecisionTimes(ctx.store, projectId, w, ranks);
  const quantile = (p: number): number | null => {
    if (times.count === 0) return null;
    const lo = Math.floor((times.count - 1) * p);
    const a = times.at.get(lo)!;
    const b = times.at.get(Math.min(lo + 1, times.count - 1)) ?? a;
    return quantileSorted([a, b], (times.count - 1) * p - lo);
  };
  return {
    held: holds.reduce((s, g) => s + g.count, 0),
    outcomes: outcomeCounts(holds),
    escalated_on_timeout: holds.filter((g) => g.escalated).reduce((s, g) => s + g.count, 0),
    time_to_decision: { count: times.count, median_seconds: quantile(0.5), p90_seconds: quantile(0.9), max_seconds: times.max },
  };
}

function humanDecisions(outcomes: OutcomeGroup[], judgments: readonly JudgmentGroup[]) {
  const routed = outcomes.filter((g) => g.action !== 'pass');
  const o = outcomeCounts(routed);
  const decided = o.approved + o.corrected + o.rejected;
  const verdicts = { total: 0, approve: 0, correct: 0, reject: 0, other: 0 };
  for (const j of judgments) {
    verdicts.total += j.count;
    if (j.verdict === 'approve' || j.verdict === 'correct' || j.verdict === 'reject') verdicts[j.verdict] += j.count;
    else verdicts.other += j.count;
  }
  return {
    routed: routed.reduce((s, g) => s + g.count, 0),
    outcomes: o,
    decided_by_people: decided,
    approval_rate: share(o.approved, decided),
    correction_rate: share(o.corrected, decided),
    rejection_rate: share(o.rejected, decided),
    override_rate: share(o.corrected + o.rejected, decided),
    judgments: verdicts,
  };
}

async function fallbackSection(ctx: AppContext, projectId: string, w: ReportWindow, outcomes: OutcomeGroup[]) {
  const timedOut = outcomes.filter((g) => g.status === 'timed_out');
  const expert = await countExpertTasks(ctx.store, projectId, w);
  const reasons = new Map<string, number>();
  for (const t of expert)
    if (t.kind === 'escalation') reasons.set(t.reason ?? 'unknown', (reasons.get(t.reason ?? 'unknown') ?? 0) + t.count);
  return {
    timed_out: timedOut.reduce((s, g) => s + g.count, 0),
    fallback_approve: timedOut.filter((g) => g.fallback === 'approve').reduce((s, g) => s + g.count, 0),
    fallback_reject: timedOut.filter((g) => g.fallback === 'reject').reduce((s, g) => s + g.count, 0),
    escalated_on_timeout: outcomes.filter((g) => g.action === 'hold' && g.escalated).reduce((s, g) => s + g.count, 0),
    escalations: [...reasons.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([reason, count]) => ({ reason, count })),
    adjudications: expert.filter((t) => t.kind === 'adjudication').reduce((s, t) => s + t.count, 0),
  };
}

async function slaSection(ctx: AppContext, projectId: string, w: ReportWindow) {
  const queues = await countSlaDue(ctx.store, projectId, w);
  const due = queues.reduce((s, q) => s + q.due, 0);
  const breached = queues.reduce((s, q) => s + q.breached, 0);
  return {
    queues: queues.map((q) => ({ ...q, breach_rate: share(q.breached, q.due) })),
    due,
    breached,
    breach_rate: share(breached, due),
    breaches_recorded: await countSlaBreaches(ctx.store, projectId, w),
  };
}

// ---- Versions in force --------------------------------------------------------------------

/** When the status a reviewer starts at changes: each policy version in force, with its default. */
interface PolicyDefault {
  from: number;
  status: StandingAtJudgment;
}

async function versionsInForce(ctx: AppContext, projectId: string, w: ReportWindow) {
  const quality = new Map<number, QualityConfig | undefined>();
  const policy = await inForce(ctx, 'policy_versions', projectId, w, async (v) => {
    const doc = (await getVersion<PolicyDocument>(ctx.store, 'policy_versions', projectId, v))?.document;
    quality.set(v, doc?.quality);
    const rules = doc?.rules ?? [];
    const names = rules.map((r) => `${r.name} (${r.action}, ${r.priority})`);
    return `${rules.length} rule${rules.length === 1 ? '' : 's'}${names.length === 0 ? '' : `: ${names.join(', ')}`}${doc?.quality ? '; reviewer quality rules' : ''}`;
  });
  const policyDefaults = policy.map((p) => ({ from: Date.parse(p.created_at), status: initialStanding(quality.get(p.version)) }));
  const guidelines = await inForce(ctx, 'guideline_versions', projectId, w, async (v) => {
    const doc = (await getVersion<GuidelineDocument>(ctx.store, 'guideline_versions', projectId, v))?.document;
    return `${doc?.change_note ?? ''}${doc?.requires_recalibration ? ' (requires recalibration)' : ''}`;
  });
  const rubric = await inForce(ctx, 'rubric_versions', projectId, w, async (v) => {
    const criteria = (await getVersion<RubricDocument>(ctx.store, 'rubric_versions', projectId, v))?.document.criteria ?? [];
    return criteria.length === 0 ? 'no criteria' : `criteria: ${criteria.map((c) => c.key).join(', ')}`;
  });
  return { policy, guidelines, rubric, policyDefaults };
}

/** The versions in force at some point in [since, until): the one current at `since` and every one saved after. */
async function inForce(
  ctx: AppContext,
  table: VersionTable,
  projectId: string,
  w: ReportWindow,
  summarize: (version: number) => Promise<string>,
): Promise<VersionInForce[]> {
  const heads = (await listVersionHeads(ctx.store, table, projectId)).filter((h) => h.created_at < w.until);
  const out: VersionInForce[] = [];
  for (const [i, h] of heads.entries()) {
    const next = heads[i + 1];
    if (next !== undefined && next.created_at <= w.since) continue;
    out.push({
      version: h.version,
      created_at: iso(h.created_at),
      created_by: h.created_by,
      from: iso(Math.max(h.created_at, w.since)),
      to: next === undefined ? null : iso(next.created_at),
      summary: await summarize(h.version),
    });
  }
  return out;
}

// ---- Reviewers ----------------------------------------------------------------------------

const zeroStandings = (): Record<StandingAtJudgment, number> => ({ qualifying: 0, active: 0, recalibrating: 0, suspended: 0, not_held: 0 });

const asStanding = (s: string | undefined): StandingAtJudgment | undefined =>
  (STANDING_STATUSES as readonly string[]).includes(s ?? '') ? (s as StandingAtJudgment) : undefined;

/** From `after` (exclusive) on, the reviewer's standing was `status`. */
interface Segment {
  after: number;
  status: StandingAtJudgment;
}

/**
 * A reviewer's standing over time. Before their first recorded change they stood where the
 * policy in force started everyone (qualifying when it asks for a qualification set, else
 * active); from each `reviewer.standing_changed` event on, where it put them. A judgment made in
 * the same millisecond as a change counts under the standing before it: the change that a
 * judgment causes (a set passed or failed, a pause) is written in that judgment's transaction.
 */
function timeline(events: readonly StandingEvent[], defaults: readonly PolicyDefault[]): Segment[] {
  const first = events[0]?.created_at ?? Infinity;
  const segments: Segment[] = [];
  for (const [i, d] of defaults.entries()) {
    const after = i === 0 ? -Infinity : d.from;
    if (after < first) segments.push({ after, status: d.status });
  }
  if (segments.length === 0) segments.push({ after: -Infinity, status: 'active' });
  for (const e of events) segments.push({ after: e.created_at, status: asStanding(e.after?.status) ?? 'active' });
  // Adjacent segments with one status are one.
  return segments.filter((s, i) => i === 0 || s.status !== segments[i - 1]!.status);
}

async function reviewerSection(
  ctx: AppContext,
  projectId: string,
  w: ReportWindow,
  judgments: readonly JudgmentGroup[],
  defaults: PolicyDefault[],
): Promise<ReviewerSection> {
  const ex = ctx.store;
  const events = await listStandingEvents(ex, projectId, w.until);
  const gold = await goldAccuracyByReviewer(ctx, projectId, w);
  const calibration = await countCalibrationJudgments(ex, projectId, w);
  const sessions = await listSessionsInWindow(ex, projectId, w);
  const inWindow = events.filter((e) => e.created_at >= w.since);

  const perReviewer = new Map<string, { total: number; verdicts: ReviewerRow['verdicts'] }>();
  for (const j of judgments) {
    const r = perReviewer.get(j.reviewer) ?? { total: 0, verdicts: { approve: 0, correct: 0, reject: 0, other: 0 } };
    r.total += j.count;
    if (j.verdict === 'approve' || j.verdict === 'correct' || j.verdict === 'reject') r.verdicts[j.verdict] += j.count;
    else r.verdicts.other += j.count;
    perReviewer.set(j.reviewer, r);
  }
  const names = new Set([...perReviewer.keys(), ...inWindow.map((e) => e.reviewer), ...gold.keys(), ...calibration.map((c) => c.reviewer)]);
  const keyIds = [...names].flatMap((r) => (r.startsWith('key:') ? [r.slice(4)] : []));
  const roles = await keyRoles(ex, keyIds);

  const totals = { judgments: 0, by_standing: zeroStandings() };
  const rows: ReviewerRow[] = [];
  for (const reviewer of [...names].sort()) {
    const role = reviewer.startsWith('key:') ? (roles.get(reviewer.slice(4)) ?? null) : null;
    // Only reviewer and expert keys are held to a standing; managers, admins and the console set it.
    const held = role !== null && (ROLES as readonly string[]).includes(role) && isFrontline(role as Role);
    const segments: Segment[] = held
      ? timeline(
          events.filter((e) => e.reviewer === reviewer),
          defaults,
        )
      : [{ after: -Infinity, status: 'not_held' }];
    const done = perReviewer.get(reviewer) ?? { total: 0, verdicts: { approve: 0, correct: 0, reject: 0, other: 0 } };
    const byStanding = zeroStandings();
    const live = segments.filter((s, i) => s.after < w.until && (segments[i + 1]?.after ?? Infinity) >= w.since);
    if (live.length === 1) byStanding[live[0]!.status] += done.total;
    else if (done.total > 0) {
      for (const [i, s] of segments.entries()) {
        const upTo = segments[i + 1]?.after ?? w.until;
        if (upTo < w.since || s.after >= w.until) continue;
        byStanding[s.status] += await countReviewerJudgments(ex, projectId, reviewer, w, Math.max(s.after, w.since - 1), upTo);
      }
    }
    totals.judgments += done.total;
    for (const s of STANDINGS_AT_JUDGMENT) totals.by_standing[s] += byStanding[s];
    const g = gold.get(reviewer);
    rows.push({
      reviewer,
      role,
      judgments: done.total,
      by_standing: byStanding,
      verdicts: done.verdicts,
      gold: g === undefined ? null : { correct: g.correct, total: g.total, accuracy: g.accuracy },
      calibration_judgments: calibration.filter((c) => c.reviewer === reviewer).reduce((s, c) => s + c.count, 0),
      standing_changes: inWindow.filter((e) => e.reviewer === reviewer).length,
      standing_at_end: segments.filter((s) => s.after < w.until).at(-1)?.status ?? 'active',
    });
  }

  const defaultsNote = [...new Set(defaults.map((d) => d.status))];
  return {
    default_standing_note:
      `A reviewer with no recorded standing change counts as ${defaultsNote.length === 0 ? 'active' : defaultsNote.join(' or ')}: ` +
      'the standing the policy in force starts everyone at (qualifying when it has a qualification set, otherwise active). ' +
      'Managers and admins are not held to a standing. Judgments on gold probes are tests of the reviewer, not production, and are counted under gold accuracy only.',
    totals,
    reviewers: rows,
    standing_changes: inWindow.slice(-MAX_STANDING_CHANGES).map((e) => ({
      at: iso(e.created_at),
      reviewer: e.reviewer,
      from: e.before?.status ?? null,
      to: e.after?.status ?? 'unknown',
      by: e.actor,
      reason: e.after?.reason ?? '',
    })),
    standing_changes_truncated: inWindow.length > MAX_STANDING_CHANGES,
    calibration_sessions: sessions.map((s) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      created_at: iso(s.created_at),
      closed_at: s.closed_at === null ? null : iso(s.closed_at),
      members: s.members,
      judgments_in_window: calibration.filter((c) => c.session_id === s.id).reduce((sum, c) => sum + c.count, 0),
    })),
  };
}

// ---- Monitoring and the audit trail -------------------------------------------------------

/**
 * Drift monitors and red-team campaigns will write `alert.*` and `campaign.*` audit events; the
 * section reads the trail, so it fills itself in when they exist and says so honestly until then.
 */
async function eventFamily(ctx: AppContext, projectId: string, w: ReportWindow, prefix: string) {
  const byAction = await countAuditActions(ctx.store, projectId, w, prefix);
  const count = byAction.reduce((s, a) => s + a.count, 0);
  const latest = count === 0 ? [] : await latestAuditEvents(ctx.store, projectId, w, prefix, LATEST_EVENTS);
  return {
    count,
    by_action: byAction,
    latest: latest.map((e) => ({
      seq: e.seq,
      at: iso(e.created_at),
      action: e.action,
      actor: e.actor,
      subject_type: e.subject_type,
      subject_id: e.subject_id,
    })),
  };
}

async function auditActivity(ctx: AppContext, projectId: string, w: ReportWindow) {
  const byAction = await countAuditActions(ctx.store, projectId, w);
  return { events_in_window: byAction.reduce((s, a) => s + a.count, 0), by_action: byAction };
}
