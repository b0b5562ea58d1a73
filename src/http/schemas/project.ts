import { Type } from 'typebox';
import { ACTIONS } from '../../core/types.js';
import { Nullable, StringEnum, Timestamp } from './common.js';
import { DataProtection, DataProtectionBody } from './data-protection.js';
import { EXAMPLE_POLICY, EXAMPLE_RUBRIC } from './examples.js';
import { ProxySettings, ProxySettingsUpdate } from './proxy.js';

/**
 * Policies and rubrics are checked in full by the core validators (which report every
 * problem with its path); the schema here documents their form for the API reference.
 */
export const PolicyDocumentSchema = Type.Object(
  {
    rules: Type.Array(Type.Object({}, { additionalProperties: true }), {
      description:
        'Rules: {name, when?, sample?, action: pass|review|hold, priority 0-100, overlap?, queue?, max_per_hour?, max_per_day?, and for hold: timeout_seconds?, on_timeout?: approve|reject|escalate; for pass: trust?: {evaluator, min_kappa?, min_checks?, window_days?, audit_sample?, audit_queue?}}. ' +
        'Conditions map a path (confidence, model, metadata.amount, tags, output.text, evals.<evaluator>.status|score|label|found, ...) to operators ' +
        'eq ne lt lte gt gte in contains matches exists, combined with all / any / not. See docs/policies.md.',
    }),
    seed: Type.Optional(Type.String({ description: 'Sampling seed; change it to redraw samples' })),
    default_action: Type.Optional(StringEnum(ACTIONS)),
    consensus: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'How several judgments become one outcome: {rule: conservative|majority|unanimous|weighted, max_score_spread?: {criterion: number}}; disagreement goes to an expert adjudication. See docs/consensus.md.',
        },
      ),
    ),
    quality: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            "Reviewer quality control: {gold_share?: 0-1, qualification?: {items: [gold item ids], pass_accuracy}, pause?: {below_accuracy, window?, min_judgments?}, recalibration?: {items, pass_accuracy}}. Set items must be the project's gold items. See docs/reviewer-quality.md.",
        },
      ),
    ),
    queues: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'Per queue: {sla: [{min_priority?, seconds}], on_breach?: raise_priority|escalate|none}. Tasks are due after the seconds of the first band their priority reaches. See docs/holds.md.',
        },
      ),
    ),
  },
  { additionalProperties: true, examples: [EXAMPLE_POLICY], description: 'A routing policy document' },
);

export const RubricDocumentSchema = Type.Object(
  {
    criteria: Type.Array(Type.Object({}, { additionalProperties: true }), {
      description:
        'Criteria: {key, label, description?, scale, required?}; scale is {type: likert, min, max} | ' +
        '{type: boolean} | {type: categorical, options} | {type: numeric, min, max, step?} | {type: labels, options, multiple?} | {type: spans, target: input|output, labels}. See docs/rubrics.md.',
    }),
  },
  { additionalProperties: true, examples: [EXAMPLE_RUBRIC], description: 'A rubric document' },
);

export const CreateProjectBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    rubric: Type.Optional(RubricDocumentSchema),
    policy: Type.Optional(PolicyDocumentSchema),
    data_protection: Type.Optional(DataProtectionBody),
    proxy: Type.Optional(ProxySettingsUpdate),
  },
  { additionalProperties: false },
);

export const VersionedDocument = (doc: typeof PolicyDocumentSchema | typeof RubricDocumentSchema) =>
  Type.Object({
    version: Type.Integer(),
    document: doc,
    created_at: Timestamp('When this version was saved'),
    created_by: Type.String(),
  });

export const SavedDocument = (doc: typeof PolicyDocumentSchema | typeof RubricDocumentSchema) =>
  Type.Object({
    ...VersionedDocument(doc).properties,
    warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), {
      description: 'Saved, but worth knowing: e.g. TG_NO_REVIEWER when a policy holds items and no key may review them',
    }),
  });

export const Project = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Nullable(Type.String()),
    policy: VersionedDocument(PolicyDocumentSchema),
    rubric: VersionedDocument(RubricDocumentSchema),
    data_protection: DataProtection,
    proxy: ProxySettings,
    created_at: Timestamp('Creation time'),
    updated_at: Timestamp('Last configuration change'),
  },
  { $id: 'Project' },
);

export const ProjectList = Type.Object({ projects: Type.Array(Type.Ref('Project')) });
