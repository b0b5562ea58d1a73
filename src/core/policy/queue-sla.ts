import { isRecord } from '../json.js';
import { EXPERT_QUEUE } from '../review/queues.js';
import { SLA_BREACH_ACTIONS, type QueueConfigs, type SlaBand, type SlaBreachAction } from '../types.js';
import type { ConditionProblem } from './condition-types.js';

export const MAX_SLA_SECONDS = 30 * 86_400;
const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Queues that exist without being declared: where rules send work by default, and the experts'. */
export const BUILT_IN_QUEUES: readonly string[] = ['default', 'hold', EXPERT_QUEUE];
/** Priority a task is raised to when it breaches its SLA under `raise_priority`. */
export const BREACH_PRIORITY = 100;

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Reads the policy's `queues` section: per queue, an SLA as priority bands and what happens on a
 * breach. Every problem is added to `problems` with its path; the normalised configs come back.
 */
export function readQueueConfigs(raw: unknown, problems: ConditionProblem[]): QueueConfigs | undefined {
  if (!isRecord(raw)) {
    problems.push({ path: 'queues', message: 'must be an object of queue name → {sla, on_breach}' });
    return undefined;
  }
  const out: QueueConfigs = {};
  for (const [name, value] of Object.entries(raw)) {
    const at = `queues.${name}`;
    if (!QUEUE_NAME.test(name)) {
      problems.push({ path: at, message: 'queue names are 1-64 characters of a-z, 0-9, "_" or "-"' });
      continue;
    }
    if (!isRecord(value)) {
      problems.push({ path: at, message: 'must be an object with "sla" and optionally "on_breach"' });
      continue;
    }
    for (const key of Object.keys(value))
      if (key !== 'sla' && key !== 'on_breach') problems.push({ path: `${at}.${key}`, message: 'unknown field' });
    const onBreach = value['on_breach'] ?? 'raise_priority';
    if (!(SLA_BREACH_ACTIONS as readonly unknown[]).includes(onBreach)) {
      problems.push({ path: `${at}.on_breach`, message: `must be one of ${SLA_BREACH_ACTIONS.map((a) => `"${a}"`).join(', ')}` });
    }
    if (onBreach === 'escalate' && name === EXPERT_QUEUE) {
      problems.push({ path: `${at}.on_breach`, message: 'the expert queue has nobody further to escalate to' });
    }
    const sla = value['sla'];
    const bands: SlaBand[] = [];
    if (!Array.isArray(sla) || sla.length === 0 || sla.length > 10) {
      problems.push({ path: `${at}.sla`, message: 'must be an array of 1-10 bands {min_priority?, seconds}' });
    } else {
      sla.forEach((band: unknown, i) => {
        const bt = `${at}.sla[${i}]`;
        if (!isRecord(band)) return problems.push({ path: bt, message: 'must be an object {min_priority?, seconds}' });
        for (const key of Object.keys(band))
          if (key !== 'min_priority' && key !== 'seconds') problems.push({ path: `${bt}.${key}`, message: 'unknown field' });
        const min = band['min_priority'] ?? 0;
        const seconds = band['seconds'];
        if (!isIntegerIn(min, 0, 100)) problems.push({ path: `${bt}.min_priority`, message: 'must be an integer from 0 to 100' });
        if (!isIntegerIn(seconds, 1, MAX_SLA_SECONDS))
          problems.push({ path: `${bt}.seconds`, message: `must be an integer from 1 to ${MAX_SLA_SECONDS} (30 days)` });
        if (isIntegerIn(min, 0, 100) && isIntegerIn(seconds, 1, MAX_SLA_SECONDS)) bands.push({ min_priority: min, seconds });
        return undefined;
      });
      const mins = bands.map((b) => b.min_priority);
      if (new Set(mins).size !== mins.length) problems.push({ path: `${at}.sla`, message: 'two bands have the same min_priority' });
    }
    bands.sort((a, b) => b.min_priority - a.min_priority);
    out[name] = { sla: bands, on_breach: onBreach as SlaBreachAction };
  }
  return out;
}

/** Seconds until a task of this priority in this queue is due, or null when the queue has no SLA for it. */
export function slaSeconds(queues: QueueConfigs | undefined, queue: string, priority: number): number | null {
  const band = queues?.[queue]?.sla.find((b) => priority >= b.min_priority);
  return band === undefined ? null : band.seconds;
}
