/**
 * Review budgets: a rule may cap how many items it sends to people per clock hour and per day
 * (UTC). Past the cap the rule still matches, and says so in the decision, but routes nothing
 * until the next window; items that another rule routes are routed as usual.
 */

export interface BudgetLimits {
  perHour?: number;
  perDay?: number;
}

/** The windows a moment falls in: hours and days since the epoch, UTC. */
export function budgetWindows(now: number): { hour: number; day: number } {
  return { hour: Math.floor(now / 3_600_000), day: Math.floor(now / 86_400_000) };
}

export interface BudgetUsage {
  hour: number;
  day: number;
}

/**
 * The budgets of one policy for one moment: how much each capped rule has used in the current
 * hour and day, updated as items are routed. The store loads it before a capture and saves what
 * was used after, in the same transaction.
 */
export class RuleBudget {
  readonly #limits: ReadonlyMap<string, BudgetLimits>;
  readonly #used = new Map<string, BudgetUsage>();
  readonly #added = new Map<string, number>();

  constructor(limits: ReadonlyMap<string, BudgetLimits>, used: ReadonlyMap<string, BudgetUsage>) {
    this.#limits = limits;
    for (const [rule, u] of used) this.#used.set(rule, { ...u });
  }

  /** Whether the rule may still route an item now. Rules without caps always may. */
  allows(rule: string): boolean {
    const limits = this.#limits.get(rule);
    if (limits === undefined) return true;
    const used = this.#used.get(rule) ?? { hour: 0, day: 0 };
    return (limits.perHour === undefined || used.hour < limits.perHour) && (limits.perDay === undefined || used.day < limits.perDay);
  }

  use(rule: string): void {
    if (!this.#limits.has(rule)) return;
    const used = this.#used.get(rule) ?? { hour: 0, day: 0 };
    this.#used.set(rule, { hour: used.hour + 1, day: used.day + 1 });
    this.#added.set(rule, (this.#added.get(rule) ?? 0) + 1);
  }

  /** Why the rule is over budget, for the decision's reason. */
  explain(rule: string): string {
    const limits = this.#limits.get(rule) ?? {};
    const used = this.#used.get(rule) ?? { hour: 0, day: 0 };
    if (limits.perHour !== undefined && used.hour >= limits.perHour) return `budget of ${limits.perHour} per hour used; passed instead`;
    return `budget of ${limits.perDay ?? 0} per day used; passed instead`;
  }

  /** Items each rule routed since this budget was loaded: what the store must add. */
  get added(): ReadonlyMap<string, number> {
    return this.#added;
  }
}
