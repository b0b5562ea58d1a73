import { textOf } from '../core/json.js';
import { trustVerdict, type CalibrationPair } from '../core/evals/calibration.js';
import { jsonEqual } from '../core/json.js';
import type { CompiledPolicy, TrustedRules } from '../core/policy/index.js';
import { resolvePath } from '../core/policy/index.js';
import type { ItemFacts, JsonValue, TrustRequirementSpec } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { listCalibrationRows, listCriterionScores, listTrust, putTrust, type TrustRecord } from '../store/eval-repo.js';
import { inTransaction, type Executor } from '../store/executor.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { compiledPolicy } from './policy-loader.js';

const DAY_MS = 86_400_000;
/** Trust is judged on at most this many of the latest human checks in the window. */
export const MAX_TRUST_CHECKS = 5_000;

/**
 * The trust rules whose evaluator holds the people's trust now. A rule counts only when it
 * was judged against the requirement it has in the current policy: a policy that raises the
 * bar does not inherit trust earned under a lower one. Undefined when the policy has no trust
 * rule, so routing skips the read.
 */
export async function trustedRules(ex: Executor, projectId: string, policy: CompiledPolicy): Promise<TrustedRules | undefined> {
  if (!policy.rules.some((r) => r.trust !== null)) return undefined;
  const records = new Map((await listTrust(ex, projectId)).map((t) => [t.rule, t]));
  const trusted = new Set<string>();
  for (const rule of policy.rules) {
    const record = records.get(rule.name);
    if (rule.trust === null || record === undefined || !record.trusted) continue;
    if (jsonEqual(record.requirement as unknown as JsonValue, rule.trust as unknown as JsonValue)) trusted.add(rule.name);
  }
  return trusted;
}

/** People's verdict on an outcome: an approved output passes; a corrected or rejected one should not have. */
const verdictOf = (status: string): 'pass' | 'fail' => (status === 'approved' ? 'pass' : 'fail');

function segmentOf(metadata: ItemFacts['metadata'], modelVersion: string | null, segmentPath: string | null): string | null {
  if (segmentPath === null) return null;
  if (segmentPath === 'model_version') return modelVersion;
  const facts = { metadata } as unknown as ItemFacts;
  const v = resolvePath(facts, segmentPath);
  return textOf(v);
}

export interface PairQuery {
  projectId: string;
  evaluator: string;
  since: number;
  until: number;
  limit: number;
  /** The rubric criterion the evaluator shares with people, for the scores; null: verdicts only. */
  criterion: string | null;
  /** `metadata.<field>` or `model_version`: what the report is split by. */
  segment: string | null;
}

export interface EvaluatedPair extends CalibrationPair {
  label: string | null;
  explanation: string | null;
  evaluator_version: number;
  outcome_status: string;
}

/** Items the evaluator scored and people decided, newest decision first. */
export async function calibrationPairs(ex: Executor, q: PairQuery): Promise<EvaluatedPair[]> {
  const rows = await listCalibrationRows(ex, {
    project_id: q.projectId,
    evaluator: q.evaluator,
    since: q.since,
    until: q.until,
    limit: q.limit,
  });
  const scores =
    q.criterion === null
      ? new Map<string, number[]>()
      : await listCriterionScores(
          ex,
          rows.map((r) => r.item_id),
          q.criterion,
        );
  return rows.map((r) => {
    const human = scores.get(r.item_id);
    return {
      item_id: r.item_id,
      at: r.outcome_decided_at,
      segment: segmentOf(r.metadata, r.model_version, q.segment),
      evaluator: { status: r.status, score: r.score },
      human: {
        verdict: verdictOf(r.outcome_status),
        score: human === undefined || human.length === 0 ? null : human.reduce((a, b) => a + b, 0) / human.length,
      },
      label: r.label,
      explanation: r.explanation,
      evaluator_version: r.evaluator_version,
      outcome_status: r.outcome_status,
    };
  });
}

export interface TrustChange {
  project_id: string;
  rule: string;
  evaluator: string;
  trusted: boolean;
  reason: string;
}

/**
 * Judges every trust rule of one project's current policy on its window of human checks, and
 * records the result. A switch (trusted ⇄ not) is written with its audit event in one
 * transaction, which also sends the `evaluator.trust_changed` webhook; when trust is lost,
 * outputs the rule resolved go back to people from the next capture on.
 */
export async function reassessProjectTrust(ctx: AppContext, projectId: string, policyVersion: number): Promise<TrustChange[]> {
  const policy = await compiledPolicy(ctx, ctx.store, projectId, policyVersion);
  const rules = policy.rules.filter((r): r is typeof r & { trust: TrustRequirementSpec } => r.trust !== null);
  if (rules.length === 0) return [];
  const changes: TrustChange[] = [];
  const now = ctx.clock();
  for (const rule of rules) {
    const req = rule.trust;
    const pairs = await calibrationPairs(ctx.store, {
      projectId,
      evaluator: req.evaluator,
      since: now - req.window_days * DAY_MS,
      until: now + 1,
      limit: MAX_TRUST_CHECKS,
      criterion: null,
      segment: null,
    });
    const verdict = trustVerdict(pairs, { min_kappa: req.min_kappa, min_checks: req.min_checks });
    await inTransaction(ctx.store, async (tx) => {
      const previous = (await listTrust(tx, projectId)).find((t) => t.rule === rule.name);
      const wasTrusted =
        previous !== undefined && previous.trusted && jsonEqual(previous.requirement as unknown as JsonValue, req as unknown as JsonValue);
      const record: TrustRecord = {
        project_id: projectId,
        rule: rule.name,
        evaluator: req.evaluator,
        trusted: verdict.trusted,
        kappa: verdict.kappa,
        checks: verdict.checks,
        reason: verdict.reason,
        requirement: req,
        changed_at: previous === undefined || wasTrusted !== verdict.trusted ? now : previous.changed_at,
        evaluated_at: now,
      };
      await putTrust(tx, record);
      if (wasTrusted === verdict.trusted) return;
      changes.push({ project_id: projectId, rule: rule.name, evaluator: req.evaluator, trusted: verdict.trusted, reason: verdict.reason });
      await appendAudit(tx, [
        auditEvent(ctx, {
          project_id: projectId,
          actor: 'system:trust',
          action: 'evaluator.trust_changed',
          subject_type: 'evaluator',
          subject_id: req.evaluator,
          before: { trusted: wasTrusted },
          after: {
            trusted: verdict.trusted,
            rule: rule.name,
            kappa: verdict.kappa,
            checks: verdict.checks,
            reason: verdict.reason,
            requirement: { ...req },
          },
          created_at: now,
        }),
      ]);
    });
  }
  for (const c of changes) {
    const log = c.trusted ? ctx.logger.info.bind(ctx.logger) : ctx.logger.warn.bind(ctx.logger);
    log(
      { project_id: c.project_id, rule: c.rule, evaluator: c.evaluator },
      `evaluator ${c.trusted ? 'now trusted' : 'no longer trusted'}: ${c.reason}`,
    );
  }
  return changes;
}

/** Reassesses every project whose current policy has a trust rule (the scheduler's pass). */
export async function reassessAllTrust(ctx: AppContext): Promise<TrustChange[]> {
  const projects = await ctx.store.db.selectFrom('projects').select(['id', 'policy_version']).execute();
  const changes: TrustChange[] = [];
  for (const p of projects) changes.push(...(await reassessProjectTrust(ctx, p.id, p.policy_version)));
  return changes;
}
