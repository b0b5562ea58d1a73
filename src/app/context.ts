import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { KnownProjects, RubricCache } from './doc-cache.js';
import { ItemEvents } from './item-events.js';
import { LeaseSweepThrottle } from './lease-sweep.js';
import { PolicyCache } from './policy-cache.js';

export type Clock = () => number;
export type IdSource = () => string;

/** Everything a service needs, passed in explicitly: tests swap the clock, the store, the ids. */
export interface AppContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly newId: IdSource;
  readonly logger: Logger;
  readonly policies: PolicyCache;
  readonly rubrics: RubricCache;
  readonly knownProjects: KnownProjects;
  readonly leaseSweeps: LeaseSweepThrottle;
  readonly itemEvents: ItemEvents;
}

export function createContext(deps: { store: Store; clock: Clock; newId: IdSource; logger: Logger }): AppContext {
  return {
    ...deps,
    policies: new PolicyCache(),
    rubrics: new RubricCache(),
    knownProjects: new KnownProjects(),
    leaseSweeps: new LeaseSweepThrottle(),
    itemEvents: new ItemEvents(),
  };
}
