import { addJudgeSpend, judgeSpent } from '../store/eval-repo.js';
import type { Store } from '../store/store.js';
import type { JudgeSpend } from './judge-client.js';

function split(key: string): [string, string] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), key.slice(at + 1)];
}

/** Judge spend kept in the store, so a daily budget holds across restarts and across servers. */
export class StoreJudgeSpend implements JudgeSpend {
  constructor(private readonly store: Store) {}

  spent(key: string, day: string): Promise<number> {
    const [project, evaluator] = split(key);
    return judgeSpent(this.store, project, evaluator, day);
  }

  record(key: string, day: string, cost: number): Promise<void> {
    const [project, evaluator] = split(key);
    return addJudgeSpend(this.store, project, evaluator, day, cost);
  }
}
