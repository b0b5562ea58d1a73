import type { TypedApp } from '../typed-app.js';
import type { AppContext } from '../../app/context.js';
import { readItemState, waitForOutcome, type ItemState } from '../../app/hold-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, ItemParams } from '../schemas/common.js';
import { DecidedOutcome, OutcomeQuery, PendingOutcome } from '../schemas/item.js';
import { presentHold, presentOutcome } from '../present.js';

/** Comment lines keep proxies from closing an idle event stream. */
const HEARTBEAT_MS = 15_000;

function presentState({ item, tasks, judgments }: ItemState) {
  return {
    item_id: item.id,
    outcome: presentOutcome(item.outcome),
    hold: presentHold(item),
    tasks: tasks.map((t) => ({ id: t.id, queue: t.queue, status: t.status })),
    judgments,
  };
}

export function registerOutcomeRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/v1/items/:item_id/outcome',
    {
      schema: {
        tags: ['items'],
        summary: "An item's outcome, waiting up to `wait` seconds for a person to decide (long-poll)",
        description:
          'Answers 200 with the outcome once it is decided (approved, rejected, corrected, or timed_out with the fallback applied), ' +
          'or 202 {"status": "pending"} when the wait ends first: ask again. A decision on any server sharing the store wakes the wait at once.',
        params: ItemParams,
        querystring: OutcomeQuery,
        response: { 200: DecidedOutcome, 202: PendingOutcome, ...errorResponses },
      },
    },
    async (req, reply) => {
      // A client that hangs up stops the wait, so an abandoned long-poll holds nothing (the
      // response's 'close' is the connection's; the request's fires once its body is read).
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      const { item, decided } = await waitForOutcome(ctx, principalOf(req), req.params.item_id, req.query.wait ?? 0, abort.signal);
      if (!decided) return reply.code(202).send({ item_id: item.id, status: 'pending' as const, hold: presentHold(item) });
      return reply.code(200).send({ item_id: item.id, ...presentOutcome(item.outcome) });
    },
  );

  app.get(
    '/v1/items/:item_id/events',
    {
      schema: {
        tags: ['items'],
        summary: "A server-sent-events stream of the item's state: outcome, hold clock, tasks",
        description:
          'Each event is `event: item` with JSON data {item_id, outcome, hold, tasks, judgments}: the current state at once, then ' +
          'every change (a judgment, an escalation, a timeout). The stream ends after the event that carries a decided outcome.',
        params: ItemParams,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const who = principalOf(req);
      const itemId = req.params.item_id;
      // Checked before the stream opens, so an unknown item or a missing permission is a plain 4xx.
      await readItemState(ctx, who, itemId);
      let dirty = true;
      let wake: (() => void) | undefined;
      const unsubscribe = ctx.itemEvents.subscribe(itemId, () => {
        dirty = true;
        wake?.();
      });
      let closed = false;
      reply.raw.on('close', () => {
        closed = true;
        wake?.();
      });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      let last = '';
      try {
        while (!closed) {
          if (dirty) {
            dirty = false;
            const state = await readItemState(ctx, who, itemId);
            const data = JSON.stringify(presentState(state));
            if (data !== last) {
              res.write(`event: item\ndata: ${data}\n\n`);
              last = data;
            }
            if (state.item.outcome.status !== 'pending') break;
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } catch (err) {
        ctx.logger.warn({ err, item_id: itemId }, 'item event stream failed');
      } finally {
        clearInterval(heartbeat);
        unsubscribe();
        res.end();
      }
    },
  );
}
