import { performance } from 'node:perf_hooks';
import type {
  CompiledQuery,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryCompiler,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

export interface QueryStat {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** "update tasks", "insert audit_events", ...: the statement kind and its first table. */
function labelOf(node: RootOperationNode): string {
  const n = node as unknown as Record<string, unknown>;
  const name = (t: unknown): string | undefined => {
    const rec = t as { table?: { identifier?: { name?: string } }; identifier?: { name?: string }; node?: unknown } | undefined;
    return rec?.table?.identifier?.name ?? rec?.identifier?.name ?? (rec?.node === undefined ? undefined : name(rec.node));
  };
  if (node.kind === 'RawNode')
    return `raw ${String((n.sqlFragments as string[] | undefined)?.[0] ?? '')
      .trim()
      .slice(0, 40)}`;
  const from = (n.from as { froms?: unknown[] } | undefined)?.froms?.[0];
  const table = name(n.into) ?? name(n.table) ?? name(from) ?? '?';
  return `${node.kind.replace(/QueryNode$/, '').toLowerCase()} ${table}`;
}

/**
 * A Kysely plugin timing every query from compile to parsed result (including the wait for a
 * pooled connection). BEGIN/COMMIT are driver calls and do not pass through plugins.
 */
export class QueryTrace implements KyselyPlugin {
  readonly #started = new WeakMap<object, { label: string; t: number }>();
  readonly stats = new Map<string, QueryStat>();
  /** The last compiled statement per label, when built with a compiler (to EXPLAIN it afterwards). */
  readonly samples = new Map<string, CompiledQuery>();

  constructor(private readonly compiler?: QueryCompiler) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const label = labelOf(args.node);
    if (this.compiler) this.samples.set(label, this.compiler.compileQuery(args.node, args.queryId));
    this.#started.set(args.queryId, { label, t: performance.now() });
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const s = this.#started.get(args.queryId);
    if (s) {
      const ms = performance.now() - s.t;
      const st = this.stats.get(s.label) ?? { count: 0, totalMs: 0, maxMs: 0 };
      st.count++;
      st.totalMs += ms;
      st.maxMs = Math.max(st.maxMs, ms);
      this.stats.set(s.label, st);
    }
    return Promise.resolve(args.result);
  }

  reset(): void {
    this.stats.clear();
  }

  /** Per label: calls per unit (e.g. per claim) and mean ms per call. */
  summary(units: number): Record<string, { perUnit: number; meanMs: number; maxMs: number }> {
    return Object.fromEntries(
      [...this.stats.entries()]
        .sort((a, b) => b[1].totalMs - a[1].totalMs)
        .map(([k, v]) => [k, { perUnit: v.count / Math.max(1, units), meanMs: v.totalMs / v.count, maxMs: v.maxMs }]),
    );
  }
}
