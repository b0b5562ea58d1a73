import { PasswordHasher } from './passwords.js';
import type { Logger } from 'pino';
import type { OriginalKey } from '../core/data-protection/original-cipher.js';
import type { Store } from '../store/store.js';
import { KnownProjects, RubricCache } from './doc-cache.js';
import { ItemEvents } from './item-events.js';
import { LeaseSweepThrottle } from './lease-sweep.js';
import { PolicyCache } from './policy-cache.js';
import { JudgeClient } from './judge-client.js';
import { StoreJudgeSpend } from './judge-spend.js';
import { ProxyCredentials } from './proxy-credentials.js';
import { RedactorCache } from './redactor-cache.js';
import { StandingCache } from './standing-cache.js';

export type Clock = () => number;
export type IdSource = () => string;

/** Everything a service needs, passed in explicitly: tests swap the clock, the store, the ids. */
export interface AppContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly newId: IdSource;
  /** Uniform in [0, 1): which claims serve gold, and which gold item. Tests pass a seeded one. */
  readonly random: () => number;
  readonly logger: Logger;
  readonly policies: PolicyCache;
  readonly rubrics: RubricCache;
  readonly knownProjects: KnownProjects;
  readonly leaseSweeps: LeaseSweepThrottle;
  readonly itemEvents: ItemEvents;
  readonly standings: StandingCache;
  /** Seals and opens pre-redaction originals; null when the server has no key configured. */
  readonly originalKey: OriginalKey | null;
  readonly redactors: RedactorCache;
  /** Which environment variables may hold a proxy's upstream key, and reading them at call time. */
  readonly proxyCredentials: ProxyCredentials;
  /** Hashes and checks console users' passwords (scrypt); tests pass a cheap cost. */
  readonly passwords: PasswordHasher;
  /** Calls judge-model evaluators (bounded, retried, cached, within each judge's daily spend). */
  readonly judges: JudgeClient;
}

export function createContext(deps: {
  store: Store;
  clock: Clock;
  newId: IdSource;
  logger: Logger;
  random?: () => number;
  originalKey?: OriginalKey | null;
  proxyCredentials?: ProxyCredentials;
  passwords?: PasswordHasher;
  judges?: JudgeClient;
}): AppContext {
  const proxyCredentials = deps.proxyCredentials ?? new ProxyCredentials();
  return {
    ...deps,
    judges:
      deps.judges ?? new JudgeClient({ clock: deps.clock, allowlist: proxyCredentials.allowlist, spend: new StoreJudgeSpend(deps.store) }),
    random: deps.random ?? Math.random,
    originalKey: deps.originalKey ?? null,
    proxyCredentials,
    passwords: deps.passwords ?? new PasswordHasher(),
    redactors: new RedactorCache(),
    policies: new PolicyCache(),
    rubrics: new RubricCache(),
    knownProjects: new KnownProjects(),
    leaseSweeps: new LeaseSweepThrottle(),
    itemEvents: new ItemEvents(),
    standings: new StandingCache(),
  };
}
