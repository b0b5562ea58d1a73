import type { BudgetUsage } from '../core/policy/rule-budget.js';
import type { Executor } from './executor.js';

const hourKey = (hour: number) => `h:${hour}`;
const dayKey = (day: number) => `d:${day}`;

/**
 * What each of these rules has used in the given hour and day. On PostgreSQL the rows are
 * created if missing and locked until the transaction ends, so two servers capturing for the
 * same capped rule take turns and never both spend its last unit.
 */
export async function loadBudgetUsage(
  ex: Executor,
  projectId: string,
  rules: readonly string[],
  windows: { hour: number; day: number },
): Promise<Map<string, BudgetUsage>> {
  const keys = [hourKey(windows.hour), dayKey(windows.day)];
  if (ex.dialect === 'postgres') {
    await ex.db
      .insertInto('rule_budget_usage')
      .values(rules.flatMap((rule) => keys.map((window) => ({ project_id: projectId, rule, window, used: 0 }))))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  let q = ex.db
    .selectFrom('rule_budget_usage')
    .select(['rule', 'window', 'used'])
    .where('project_id', '=', projectId)
    .where('rule', 'in', [...rules])
    .where('window', 'in', keys)
    .orderBy('rule')
    .orderBy('window');
  if (ex.dialect === 'postgres') q = q.forUpdate();
  const rows = await q.execute();
  const usage = new Map<string, BudgetUsage>(rules.map((r) => [r, { hour: 0, day: 0 }]));
  for (const row of rows) {
    const u = usage.get(row.rule);
    if (u === undefined) continue;
    if (row.window === keys[0]) u.hour = Number(row.used);
    else u.day = Number(row.used);
  }
  return usage;
}

/** Adds what each rule routed to its hour and day counters. */
export async function addBudgetUsage(
  ex: Executor,
  projectId: string,
  added: ReadonlyMap<string, number>,
  windows: { hour: number; day: number },
): Promise<void> {
  for (const [rule, n] of added) {
    if (n === 0) continue;
    for (const window of [hourKey(windows.hour), dayKey(windows.day)]) {
      await ex.db
        .insertInto('rule_budget_usage')
        .values({ project_id: projectId, rule, window, used: n })
        .onConflict((oc) =>
          oc.columns(['project_id', 'rule', 'window']).doUpdateSet((eb) => ({ used: eb('rule_budget_usage.used', '+', n) })),
        )
        .execute();
    }
  }
}
