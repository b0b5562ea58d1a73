import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-statistics.js';
import * as m003 from './migrations/003-holds.js';
import * as m004 from './migrations/004-queue-sla.js';
import * as m005 from './migrations/005-rule-budgets.js';
import * as m006 from './migrations/006-guidelines.js';
import * as m007 from './migrations/007-gold.js';
import * as m008 from './migrations/008-comparisons.js';
import * as m009 from './migrations/009-calibration.js';
import * as m010 from './migrations/010-reviewer-quality.js';
import * as m011 from './migrations/011-audit-chain.js';
import * as m012 from './migrations/012-key-lifecycle.js';
import * as m013 from './migrations/013-data-protection.js';
import * as m014 from './migrations/014-sessions.js';
import * as m015 from './migrations/015-webhooks.js';
import * as m016 from './migrations/016-proxy-settings.js';
import * as m017 from './migrations/017-users.js';
import * as m018 from './migrations/018-timeseries-indexes.js';
import * as m019 from './migrations/019-evaluators.js';
import * as m020 from './migrations/020-novelty.js';
import * as m021 from './migrations/021-monitoring.js';
import type { Store } from './store.js';
import type { StoreDialect } from './dialect.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void>;
}

/** Migrations are compiled into the bundle (not read from disk) so `dist/` runs anywhere. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '001-initial': m001,
  '002-statistics': m002,
  '003-holds': m003,
  '004-queue-sla': m004,
  '005-rule-budgets': m005,
  '006-guidelines': m006,
  '007-gold': m007,
  '008-comparisons': m008,
  '009-calibration': m009,
  '010-reviewer-quality': m010,
  '011-audit-chain': m011,
  '012-key-lifecycle': m012,
  '013-data-protection': m013,
  '014-sessions': m014,
  '015-webhooks': m015,
  '016-proxy-settings': m016,
  '017-users': m017,
  '018-timeseries-indexes': m018,
  '019-evaluators': m019,
  '020-novelty': m020,
  '021-monitoring': m021,
};

/** Exported for tests that stop at an older version to check an upgrade. */
export /** Every migration, in the order they apply. */
const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

/** Exported for tests that stop at an older version to check an upgrade. */
export function providerFor(dialect: StoreDialect): MigrationProvider {
  return {
    getMigrations: () =>
      Promise.resolve(
        Object.fromEntries(
          Object.entries(MIGRATIONS).map(([name, mig]): [string, Migration] => [name, { up: (db) => mig.up(db, dialect) }]),
        ),
      ),
  };
}

export interface MigrateReport {
  applied: string[];
}

/**
 * Brings the schema to the latest version. Kysely's migrator takes a lock, so several servers
 * starting together against one PostgreSQL apply each migration once.
 */
export async function migrateToLatest(store: Store): Promise<MigrateReport> {
  const migrator = new Migrator({ db: store.db, provider: providerFor(store.dialect) });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`migration ${failed} failed: ${reason}`, { cause: result.error });
  }
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
