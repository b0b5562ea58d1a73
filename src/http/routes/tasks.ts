import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypedApp } from '../typed-app.js';
import { Type } from 'typebox';
import type { AppContext } from '../../app/context.js';
import { claimTask, releaseTask, renewTask, submitJudgment, type JudgmentSubmission } from '../../app/review-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, ProjectParams, TaskParams } from '../schemas/common.js';
import { Outcome } from '../schemas/item.js';
import { ClaimBody, ClaimedTask, EscalateBody, EscalationResult, JudgmentBody, RenewBody } from '../schemas/task.js';
import { escalateTask, type EscalationRequest } from '../../app/escalation-service.js';
import { presentEscalation, presentItem, presentJudgment, presentOutcome, presentTask, presentVersioned } from '../present.js';

// Claim and renew take optional options: an empty POST means "use the defaults".
function emptyBodyIsDefaults(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (req.body === undefined || req.body === null) req.body = {};
  done();
}

export function registerTaskRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/v1/projects/:project_id/tasks/claim',
    {
      preValidation: emptyBodyIsDefaults,
      schema: {
        tags: ['tasks'],
        summary: 'Lease the next task: highest priority, then oldest; 204 when none is available',
        params: ProjectParams,
        body: ClaimBody,
        response: { 200: ClaimedTask, 204: Type.Null({ description: 'No task available' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const claimed = await claimTask(ctx, principalOf(req), req.params.project_id, req.body);
      if (!claimed) return reply.code(204).send(null);
      return {
        task: presentTask(claimed.task),
        item: presentItem(claimed.item),
        rubric: presentVersioned(claimed.rubric),
        escalation: claimed.escalation === null ? null : presentEscalation(claimed.escalation),
        guidelines: claimed.guidelines === null ? null : presentVersioned(claimed.guidelines),
        judgments: claimed.judgments === null ? null : claimed.judgments.map(presentJudgment),
        assignment: claimed.assignment,
      };
    },
  );
  app.post(
    '/v1/tasks/:task_id/renew',
    {
      preValidation: emptyBodyIsDefaults,
      schema: {
        tags: ['tasks'],
        summary: 'Extend your lease on a task',
        params: TaskParams,
        body: RenewBody,
        response: { 200: Type.Ref('Task'), ...errorResponses },
      },
    },
    async (req) => presentTask(await renewTask(ctx, principalOf(req), req.params.task_id, req.body.lease_seconds)),
  );
  app.post(
    '/v1/tasks/:task_id/release',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Give a leased task back to the queue',
        params: TaskParams,
        response: { 200: Type.Ref('Task'), ...errorResponses },
      },
    },
    async (req) => presentTask(await releaseTask(ctx, principalOf(req), req.params.task_id)),
  );
  app.post(
    '/v1/tasks/:task_id/escalate',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Hand a task you hold to the experts, with a reason and what you have so far; an expert’s judgment then decides the item',
        params: TaskParams,
        body: EscalateBody,
        response: { 200: EscalationResult, ...errorResponses },
      },
    },
    async (req) => {
      const r = await escalateTask(ctx, principalOf(req), req.params.task_id, req.body as EscalationRequest);
      return { task: presentTask(r.task), expert_task: presentTask(r.expert_task), escalation: presentEscalation(r.escalation) };
    },
  );
  app.post(
    '/v1/tasks/:task_id/judgments',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Submit your judgment on a task you hold; resolves the item when it is the last one required',
        params: TaskParams,
        body: JudgmentBody,
        response: { 201: Type.Object({ judgment: Type.Ref('Judgment'), outcome: Outcome }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const r = await submitJudgment(ctx, principalOf(req), req.params.task_id, req.body as JudgmentSubmission);
      return reply.code(201).send({ judgment: presentJudgment(r.judgment), outcome: presentOutcome(r.item.outcome) });
    },
  );
}
