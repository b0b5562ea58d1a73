import { assertCan } from '../core/access/permissions.js';
import { TollgateError } from '../core/errors.js';
import { candidateIds, MAX_CANDIDATES, type Candidate } from '../core/review/preference.js';
import type { ItemInput, ItemOutput, JsonObject, Principal } from '../core/types.js';
import { appendAudit } from '../store/audit-repo.js';
import { inTransaction } from '../store/executor.js';
import { findItemsByExternalIds, getItemRecord, insertItems, type ItemRecord } from '../store/item-repo.js';
import { getProjectRow } from '../store/project-repo.js';
import { insertTasks, type TaskRecord } from '../store/task-repo.js';
import { auditEvent } from './audit.js';
import type { AppContext } from './context.js';
import { projectProtection } from './data-protection-settings.js';
import { compiledPolicy, dueAt } from './policy-loader.js';
import { redactPayload } from '../core/data-protection/redact-item.js';
import { requireProject } from './project-service.js';

export interface CandidateInput {
  output?: ItemOutput;
  /** Take the output (and model) of a stored item of the same project. */
  item_id?: string;
  model?: string;
  model_version?: string;
}

export interface ComparisonInput {
  input?: ItemInput;
  candidates: CandidateInput[];
  kind?: 'compare' | 'rank';
  overlap?: number;
  priority?: number;
  queue?: string;
  metadata?: JsonObject;
  tags?: string[];
  external_id?: string;
}

const invalid = (path: string, message: string): TollgateError =>
  new TollgateError('TG_VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });

/**
 * Puts two outputs side by side (a preference pair) or three or more (a ranking) for people to
 * judge: from stored items, say two model versions' answers to one input, or inline. It is not
 * routed by the policy: creating it asks for the work. Re-sending an `external_id` returns the
 * stored comparison and creates nothing.
 */
export async function createComparison(
  ctx: AppContext,
  who: Principal,
  projectId: string,
  body: ComparisonInput,
): Promise<{ item: ItemRecord; created: boolean }> {
  assertCan(who, 'items:create');
  const n = body.candidates.length;
  const kind = body.kind ?? (n === 2 ? 'compare' : 'rank');
  if (n < 2 || n > MAX_CANDIDATES) throw invalid('candidates', `must list 2 to ${MAX_CANDIDATES} outputs`);
  if (kind === 'compare' && n !== 2) throw invalid('candidates', `a comparison is a pair: give exactly 2 outputs, not ${n}`);
  if (kind === 'rank' && n < 3) throw invalid('candidates', 'a ranking needs 3 or more outputs; compare a pair instead');
  body.candidates.forEach((c, i) => {
    if ((c.output === undefined) === (c.item_id === undefined)) throw invalid(`candidates[${i}]`, 'give either "output" or "item_id"');
  });

  return inTransaction(ctx.store, async (tx) => {
    await requireProject(tx, who, projectId);
    if (body.external_id !== undefined) {
      const [known] = await findItemsByExternalIds(tx, projectId, [body.external_id]);
      if (known) return { item: known, created: false };
    }
    const project = await getProjectRow(tx, projectId);
    if (!project) throw new TollgateError('TG_PROJECT_NOT_FOUND', `project ${projectId} not found`);
    const ids = candidateIds(n);
    let input = body.input;
    const candidates: Candidate[] = [];
    for (const [i, c] of body.candidates.entries()) {
      if (c.item_id !== undefined) {
        const source = await getItemRecord(tx, c.item_id);
        if (!source || source.project_id !== projectId || source.kind !== 'output') {
          throw invalid(`candidates[${i}].item_id`, `no captured output ${c.item_id} in this project`);
        }
        input ??= source.input;
        candidates.push({
          id: ids[i]!,
          output: source.output,
          model: c.model ?? source.model,
          model_version: c.model_version ?? source.model_version,
          item_id: source.id,
        });
      } else {
        candidates.push({ id: ids[i]!, output: c.output!, model: c.model ?? null, model_version: c.model_version ?? null, item_id: null });
      }
    }
    if (input === undefined) throw invalid('input', 'is required when no candidate comes from a stored item');
    // Inline text goes through the project's capture-time redaction like any captured item
    // (stored candidates were redacted when captured). Their originals are not kept.
    const { scanner, settings } = projectProtection(ctx, project);
    let redactions: Record<string, number> | null = null;
    let metadata = body.metadata ?? {};
    if (scanner !== null && settings.redaction !== null) {
      const fields = settings.redaction.fields;
      const r = redactPayload(scanner, fields, { input, output: { candidates } as unknown as ItemOutput, metadata });
      input = r.payload.input;
      candidates.splice(0, candidates.length, ...(r.payload.output as unknown as { candidates: Candidate[] }).candidates);
      metadata = r.payload.metadata;
      if (Object.keys(r.counts).length > 0) redactions = r.counts;
    }

    const now = ctx.clock();
    const overlap = body.overlap ?? 1;
    const priority = body.priority ?? 50;
    const queue = body.queue ?? 'default';
    const item: ItemRecord = {
      id: ctx.newId(),
      project_id: projectId,
      kind,
      input,
      output: { candidates } as unknown as ItemOutput,
      model: null,
      model_version: null,
      confidence: null,
      metadata,
      tags: body.tags ?? [],
      external_id: body.external_id ?? null,
      created_at: now,
      decision: {
        action: 'review',
        priority,
        matched_rules: [],
        policy_version: project.policy_version,
        required_reviews: overlap,
        queue,
        // Asked for, not sampled from production: it takes no part in production estimates.
        review_probability: null,
        hold: null,
      },
      outcome: { status: 'pending', output: null, decided_at: null, decided_by: null, reason: null, fallback: null },
      hold_deadline: null,
      hold_escalated_at: null,
      probe_of: null,
      redactions,
      purged: null,
    };
    const policy = await compiledPolicy(ctx, tx, projectId, project.policy_version);
    const tasks: TaskRecord[] = Array.from({ length: overlap }, () => ({
      id: ctx.newId(),
      project_id: projectId,
      item_id: item.id,
      kind,
      queue,
      status: 'pending' as const,
      priority,
      rubric_version: project.rubric_version,
      guideline_version: project.guideline_version,
      lease_owner: null,
      lease_expires_at: null,
      claim_count: 0,
      created_at: now,
      updated_at: now,
      due_at: dueAt(policy.queues, queue, priority, now),
      sla_breached_at: null,
    }));
    await insertItems(tx, [item]);
    await insertTasks(tx, tasks);
    await appendAudit(tx, [
      auditEvent(ctx, {
        project_id: projectId,
        actor: who.actor,
        action: 'comparison.created',
        subject_type: 'item',
        subject_id: item.id,
        after: { kind, candidates: candidates.map((c) => c.item_id ?? c.id), overlap },
        created_at: now,
      }),
    ]);
    return { item, created: true };
  });
}
