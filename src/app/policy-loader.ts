import type { CompiledPolicy } from '../core/policy/index.js';
import { slaSeconds } from '../core/policy/queue-sla.js';
import type { PolicyDocument, QueueConfigs } from '../core/types.js';
import type { Executor } from '../store/executor.js';
import { getVersion } from '../store/project-repo.js';
import type { AppContext } from './context.js';

/** A project's policy version, compiled once per process (versions never change once saved). */
export async function compiledPolicy(ctx: AppContext, ex: Executor, projectId: string, version: number): Promise<CompiledPolicy> {
  const cached = ctx.policies.get(projectId, version);
  if (cached) return cached;
  const doc = await getVersion<PolicyDocument>(ex, 'policy_versions', projectId, version);
  if (!doc) throw new Error(`policy version ${version} of project ${projectId} is missing`);
  return ctx.policies.get(projectId, version, () => doc.document);
}

/** When a task created `now` is due under its queue's SLA, or null when the queue has none. */
export function dueAt(queues: QueueConfigs, queue: string, priority: number, now: number): number | null {
  const seconds = slaSeconds(queues, queue, priority);
  return seconds === null ? null : now + seconds * 1000;
}
