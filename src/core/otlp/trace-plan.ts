import { Attributes } from './attributes.js';
import { mapSpan, type CapturedItem } from './genai-span.js';
import type { OtlpTraceRequest } from './otlp-types.js';

/** The resource attribute naming the project a service's spans go to. */
export const PROJECT_ATTRIBUTE = 'tollgate.project_id';
/** The request header naming the project, for every resource that names none. */
export const PROJECT_HEADER = 'x-tollgate-project';

/** What a project id can be (1–100 characters, as the API's ids), checked before any lookup. */
const PROJECT_ID = /^[\x21-\x7e]{1,100}$/;

export interface SpanRejection {
  problem: string;
  /** `trace_id:span_id`, to find the span in the tracing backend. */
  span: string | undefined;
}

export interface TracePlan {
  /** Spans in the request, of every kind. */
  spans: number;
  /** Items to capture, per project, in the order their spans came. */
  byProject: Map<string, { item: CapturedItem; span: string }[]>;
  rejected: SpanRejection[];
  /** GenAI model calls recorded without their output: skipped, not rejected. */
  withoutContent: number;
}

export interface PlanOptions {
  /** The `x-tollgate-project` header, if sent. */
  headerProject: string | undefined;
  /** The project a scoped key is confined to; null for a key of every project. */
  keyProject: string | null;
}

/**
 * Which spans of an export request become items in which project. The project is, most
 * specific first: the resource's `tollgate.project_id` (one exporter, such as a Collector, may
 * carry several services), the `x-tollgate-project` header, the project of a scoped key.
 */
export function planTraceCapture(request: OtlpTraceRequest, options: PlanOptions): TracePlan {
  const plan: TracePlan = { spans: 0, byProject: new Map(), rejected: [], withoutContent: 0 };
  for (const rs of request.resourceSpans ?? []) {
    const resource = new Attributes(rs.resource?.attributes);
    const named = resource.string(PROJECT_ATTRIBUTE);
    const project = named ?? options.headerProject ?? options.keyProject ?? undefined;
    const badProject = named !== undefined && !PROJECT_ID.test(named);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        plan.spans++;
        const verdict = mapSpan(span, resource);
        const ref = span.traceId !== undefined && span.spanId !== undefined ? `${span.traceId}:${span.spanId}` : undefined;
        if (verdict.kind === 'no_content') plan.withoutContent++;
        else if (verdict.kind === 'invalid') plan.rejected.push({ problem: verdict.problem, span: ref });
        else if (verdict.kind === 'item') {
          if (badProject) {
            plan.rejected.push({ problem: `${PROJECT_ATTRIBUTE} is not a project id`, span: ref });
          } else if (project === undefined) {
            plan.rejected.push({
              problem: `no project: send the ${PROJECT_HEADER} header or set the ${PROJECT_ATTRIBUTE} resource attribute`,
              span: ref,
            });
          } else {
            const list = plan.byProject.get(project) ?? [];
            list.push({ item: verdict.item, span: ref ?? '' });
            plan.byProject.set(project, list);
          }
        }
      }
    }
  }
  return plan;
}

const MAX_MESSAGE_LENGTH = 2000;

/**
 * The partial-success message: each distinct problem once, with how many spans it sank and
 * one of them to look up. Rejected spans are not retried by exporters, so the message is the
 * sender's only clue; it says what to change.
 */
export function rejectionMessage(rejected: readonly SpanRejection[], withoutContent: number): string {
  const byProblem = new Map<string, { count: number; example: string | undefined }>();
  for (const r of rejected) {
    const entry = byProblem.get(r.problem) ?? { count: 0, example: r.span };
    entry.count++;
    byProblem.set(r.problem, entry);
  }
  const parts = [...byProblem].map(
    ([problem, { count, example }]) =>
      `${problem} (${count} span${count === 1 ? '' : 's'}${example === undefined ? '' : `, e.g. ${example}`})`,
  );
  if (withoutContent > 0) {
    parts.push(
      `${withoutContent} GenAI span${withoutContent === 1 ? '' : 's'} recorded no output and became no item: ` +
        'have the instrumentation record message content on spans (OpenTelemetry GenAI instrumentations: ' +
        'OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental and OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only)',
    );
  }
  const text = `${rejected.length > 0 ? `${rejected.length} span${rejected.length === 1 ? '' : 's'} rejected: ` : ''}${parts.join('; ')}`;
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
