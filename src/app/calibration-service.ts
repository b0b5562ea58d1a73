import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { inputText, outputText } from '../core/policy/item-path.js';
import { validateScores } from '../core/rubric/index.js';
import {
  krippendorffAlpha,
  percentAgreement,
  reviewerAccuracy,
  reviewerAgreement,
  type Rating,
  type RatingValue,
} from '../core/stats/index.js';
import type { Principal, RubricDocument, Scores, Verdict } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import {
  closeSession,
  countJudgmentsBySession,
  getSession,
  insertCalibrationJudgment,
  insertSession,
  listCalibrationJudgments,
  listSessions,
  type CalibrationJudgment,
  type CalibrationSession,
} from '../store/calibration-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { listGold } from '../store/gold-repo.js';
import { getItemRecord, type ItemRecord } from '../store/item-repo.js';
import { getVersion, type VersionedDoc } from '../store/project-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { isUniqueViolation } from './unique-retry.js';
import { requireProject } from './project-service.js';
import { levelOfScale } from './stats-service.js';

export const MAX_SESSION_ITEMS = 200;
export const MAX_SESSION_REVIEWERS = 50;

const invalid = (path: string, message: string) =>
  new TollgateError('TG_VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });

export interface StartCalibration {
  name: string;
  item_ids: string[];
  /** Reviewer identities as judgments record them: `key:<key id>`. */
  reviewers: string[];
}

/** Starts a session: the chosen items, to be judged independently by every selected reviewer. */
export async function startCalibration(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  input: StartCalibration,
): Promise<CalibrationSession> {
  assertCan(who, 'projects:configure');
  const items = [...new Set(input.item_ids)];
  const reviewers = [...new Set(input.reviewers)];
  if (items.length === 0 || items.length > MAX_SESSION_ITEMS) throw invalid('item_ids', `must name 1 to ${MAX_SESSION_ITEMS} items`);
  if (reviewers.length === 0 || reviewers.length > MAX_SESSION_REVIEWERS)
    throw invalid('reviewers', `must name 1 to ${MAX_SESSION_REVIEWERS} reviewers`);
  return inTransaction(ctx.store, async (tx) => {
    const project = await requireProject(tx, who, projectId);
    for (const [i, id] of items.entries()) {
      const item = await getItemRecord(tx, id);
      if (!item || item.project_id !== projectId || item.kind !== 'output')
        throw invalid(`item_ids[${i}]`, `no captured output ${id} in this project`);
    }
    const now = ctx.clock();
    const session: CalibrationSession = {
      id: ctx.newId(),
      project_id: projectId,
      name: input.name,
      status: 'open',
      item_ids: items,
      reviewers,
      rubric_version: project.rubric_version,
      created_at: now,
      created_by: who.actor,
      closed_at: null,
    };
    await insertSession(tx, session);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'calibration.started',
        subject_type: 'calibration',
        subject_id: session.id,
        after: { name: session.name, items: items.length, reviewers },
        created_at: now,
      }),
    ]);
    return session;
  });
}

async function requireSession(ex: Executor, who: Principal, id: string): Promise<CalibrationSession> {
  const s = await getSession(ex, id);
  if (!s || (who.project_id !== null && who.project_id !== s.project_id))
    throw new TollgateError('TG_NOT_FOUND', `calibration session ${id} not found`);
  return s;
}

function requireMember(who: Principal, s: CalibrationSession): void {
  if (!s.reviewers.includes(who.actor)) throw new TollgateError('TG_FORBIDDEN', `you are not a reviewer of calibration session ${s.id}`);
}

export interface SessionView extends CalibrationSession {
  progress: { reviewer: string; judged: number }[];
}

export async function getCalibration(ctx: AppContext, who: Principal, id: string): Promise<SessionView> {
  assertCan(who, 'projects:read');
  const s = await requireSession(ctx.store, who, id);
  const judged = await listCalibrationJudgments(ctx.store, id);
  return { ...s, progress: s.reviewers.map((r) => ({ reviewer: r, judged: judged.filter((j) => j.reviewer === r).length })) };
}

export interface SessionSummary extends Omit<CalibrationSession, 'item_ids' | 'reviewers'> {
  item_count: number;
  reviewer_count: number;
  progress: {
    /** Answers given so far, over all reviewers. */
    judged: number;
    /** Answers a finished session holds: items × reviewers. */
    expected: number;
    /** Reviewers who have answered every item. */
    reviewers_done: number;
  };
}

export const DEFAULT_SESSION_LIST_LIMIT = 100;

/** A project's sessions, newest first, each with how far its reviewers got (managers). */
export async function listCalibrations(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  q: { status?: CalibrationSession['status']; limit?: number },
): Promise<SessionSummary[]> {
  assertCan(who, 'reviewers:assess');
  await requireProject(ctx.store, who, projectId);
  const sessions = await listSessions(ctx.store, projectId, { status: q.status, limit: q.limit ?? DEFAULT_SESSION_LIST_LIMIT });
  const bySession = new Map<string, { reviewer: string; count: number }[]>();
  for (const c of await countJudgmentsBySession(
    ctx.store,
    sessions.map((s) => s.id),
  ))
    bySession.set(c.session_id, [...(bySession.get(c.session_id) ?? []), c]);
  return sessions.map(({ item_ids, reviewers, ...rest }) => {
    // Only members' answers count: the session's membership is fixed at start.
    const mine = (bySession.get(rest.id) ?? []).filter((c) => reviewers.includes(c.reviewer));
    return {
      ...rest,
      item_count: item_ids.length,
      reviewer_count: reviewers.length,
      progress: {
        judged: mine.reduce((sum, c) => sum + c.count, 0),
        expected: item_ids.length * reviewers.length,
        reviewers_done: mine.filter((c) => c.count >= item_ids.length).length,
      },
    };
  });
}

export interface CalibrationTask {
  session: CalibrationSession;
  item: ItemRecord;
  rubric: VersionedDoc<RubricDocument>;
  remaining: number;
}

/** The next session item this reviewer has not judged, or null when they are done. */
export async function nextCalibrationItem(ctx: AppContext, who: Principal, id: string): Promise<CalibrationTask | null> {
  assertCan(who, 'tasks:work');
  const s = await requireSession(ctx.store, who, id);
  requireMember(who, s);
  if (s.status !== 'open') throw new TollgateError('TG_CONFLICT', `calibration session ${id} is closed`);
  const mine = new Set((await listCalibrationJudgments(ctx.store, id)).filter((j) => j.reviewer === who.actor).map((j) => j.item_id));
  const left = s.item_ids.filter((i) => !mine.has(i));
  const next = left[0];
  if (next === undefined) return null;
  const item = await getItemRecord(ctx.store, next);
  const rubric = await getVersion<RubricDocument>(ctx.store, 'rubric_versions', s.project_id, s.rubric_version);
  if (!item || !rubric) throw new TollgateError('TG_INTERNAL', `calibration session ${id} refers to missing data`);
  return { session: s, item, rubric, remaining: left.length };
}

export interface CalibrationAnswer {
  item_id: string;
  verdict: Verdict;
  scores?: Record<string, unknown>;
  comment?: string;
}

/** Records a reviewer's independent answer on one session item; it never decides the item. */
export async function submitCalibrationJudgment(
  ctx: AppContext,
  who: Principal,
  id: string,
  a: CalibrationAnswer,
): Promise<CalibrationJudgment> {
  assertCan(who, 'tasks:work');
  return inTransaction(ctx.store, async (tx) => {
    const s = await requireSession(tx, who, id);
    requireMember(who, s);
    if (s.status !== 'open') throw new TollgateError('TG_CONFLICT', `calibration session ${id} is closed`);
    if (!s.item_ids.includes(a.item_id)) throw invalid('item_id', `item ${a.item_id} is not part of this session`);
    const item = await getItemRecord(tx, a.item_id);
    const rubric = await getVersion<RubricDocument>(tx, 'rubric_versions', s.project_id, s.rubric_version);
    if (!item || !rubric) throw new TollgateError('TG_INTERNAL', `calibration session ${id} refers to missing data`);
    const scores = validateScores(rubric.document, a.scores ?? {}, { input: inputText(item.input), output: outputText(item.output) });
    const now = ctx.clock();
    const judgment: CalibrationJudgment = {
      session_id: id,
      item_id: a.item_id,
      reviewer: who.actor,
      verdict: a.verdict,
      scores,
      comment: a.comment ?? null,
      created_at: now,
    };
    try {
      await insertCalibrationJudgment(tx, judgment);
    } catch (err) {
      if (isUniqueViolation(err)) throw new TollgateError('TG_CONFLICT', `you already judged item ${a.item_id} in this session`);
      throw err;
    }
    return judgment;
  });
}

export async function closeCalibration(ctx: AppContext, who: Principal, id: string): Promise<CalibrationSession> {
  assertCan(who, 'projects:configure');
  return inTransaction(ctx.store, async (tx) => {
    const s = await requireSession(tx, who, id);
    const now = ctx.clock();
    if (!(await closeSession(tx, id, now))) throw new TollgateError('TG_CONFLICT', `calibration session ${id} is already closed`);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: s.project_id,
        actor: who.actor,
        action: 'calibration.closed',
        subject_type: 'calibration',
        subject_id: id,
        created_at: now,
      }),
    ]);
    return { ...s, status: 'closed', closed_at: now };
  });
}

/** What a statistic says, or why it has no value here (too few answers, no variation). */
function measured<T extends object>(f: () => T): ({ defined: true } & T) | { defined: false; reason: string } {
  try {
    return { defined: true, ...f() };
  } catch (err) {
    if (err instanceof TollgateError && err.code.startsWith('TG_STATS_')) return { defined: false, reason: err.message };
    throw err;
  }
}

/**
 * The agenda for the calibration discussion: per item, how the reviewers split (most disagreement
 * first) beside the gold answer if there is one; per criterion, Krippendorff's alpha over the
 * session; per reviewer, how often they departed from the others' majority and from gold.
 */
export async function calibrationReport(ctx: AppContext, who: Principal, id: string) {
  assertCan(who, 'reviewers:assess');
  const s = await requireSession(ctx.store, who, id);
  const judged = await listCalibrationJudgments(ctx.store, id);
  // Calibration answers are verdicts and scores; gold that expects no verdict has nothing to say here.
  const gold = new Map(
    (await listGold(ctx.store, s.project_id, s.item_ids)).flatMap((g) => (g.verdict === null ? [] : [[g.item_id, g.verdict] as const])),
  );
  const rubric = await getVersion<RubricDocument>(ctx.store, 'rubric_versions', s.project_id, s.rubric_version);

  const items = s.item_ids
    .map((itemId, order) => {
      const answers = judged.filter((j) => j.item_id === itemId);
      const votes: Partial<Record<Verdict, number>> = {};
      for (const a of answers) votes[a.verdict] = (votes[a.verdict] ?? 0) + 1;
      const ratings: Rating[] = answers.map((a) => ({ unit: itemId, rater: a.reviewer, value: a.verdict }));
      const agreement = answers.length >= 2 ? percentAgreement(ratings).value : null;
      const top = Math.max(0, ...Object.values(votes));
      const leaders = Object.entries(votes).filter(([, n]) => n === top);
      return {
        item_id: itemId,
        order,
        judgments: answers.length,
        votes,
        majority: leaders.length === 1 ? (leaders[0]![0] as Verdict) : null,
        agreement,
        gold: gold.get(itemId) ?? null,
        comments: answers.filter((a) => a.comment !== null).map((a) => ({ reviewer: a.reviewer, comment: a.comment })),
      };
    })
    .sort((a, b) => (a.agreement ?? 2) - (b.agreement ?? 2) || a.order - b.order)
    .map(({ order: _order, ...rest }) => rest);

  const fields: { field: string; read: (j: CalibrationJudgment) => RatingValue | null; level: ReturnType<typeof levelOfScale> }[] = [
    { field: 'verdict', read: (j) => j.verdict, level: 'nominal' },
    ...(rubric?.document.criteria ?? []).map((c) => ({
      field: `scores.${c.key}`,
      level: levelOfScale(c.scale),
      read: (j: CalibrationJudgment) => {
        const v: Scores[string] | undefined = j.scores[c.key];
        return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
      },
    })),
  ];
  const criteria = fields
    .filter((f) => f.level !== null)
    .map((f) => ({
      field: f.field,
      level: f.level,
      krippendorff_alpha: measured(() => {
        const r = krippendorffAlpha(
          judged.map((j) => ({ unit: j.item_id, rater: j.reviewer, value: f.read(j) })),
          { level: f.level! },
        );
        return { value: r.value, units: r.units };
      }),
    }));

  const verdicts = judged.map((j) => ({ reviewer: j.reviewer, item: j.item_id, value: j.verdict }));
  const peers = verdicts.length === 0 ? [] : reviewerAgreement(verdicts);
  const onGold = gold.size === 0 || verdicts.length === 0 ? undefined : reviewerAccuracy(verdicts, gold).reviewers;
  const reviewers = s.reviewers.map((reviewer) => {
    const p = peers.find((x) => x.reviewer === reviewer);
    const g = onGold?.find((x) => x.reviewer === reviewer);
    return {
      reviewer,
      judged: judged.filter((j) => j.reviewer === reviewer).length,
      distance_from_consensus: p?.rate == null ? null : 1 - p.rate,
      compared_with_consensus: p?.compared ?? 0,
      distance_from_gold: g?.accuracy == null ? null : 1 - g.accuracy,
      gold_items: g?.total ?? 0,
    };
  });
  return { session: { ...s }, items, criteria, reviewers };
}
