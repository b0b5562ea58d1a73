import { Type } from 'typebox';
import { ORIGINAL_POLICIES, REDACTABLE_FIELDS, RETENTION_ACTIONS } from '../../core/data-protection/settings.js';
import { Nullable, RoleSchema, StringEnum, Timestamp } from './common.js';

/**
 * The document is checked in full by the core (every problem with its path, like a policy);
 * the schema documents its form for the API reference.
 */
export const DataProtectionBody = Type.Object(
  {
    redaction: Type.Optional(
      Nullable(
        Type.Object(
          {},
          {
            additionalProperties: true,
            description:
              'Capture-time PII redaction: {detectors: [email, phone, payment_card, iban], custom?: [{name, pattern, flags?}], phone_default_country?: "US", ' +
              'fields?: [input, output, metadata] (default input and output), original?: drop|encrypt (default drop), original_roles?: [roles] (default [admin], with encrypt only)}. null: no redaction.',
          },
        ),
      ),
    ),
    retention: Type.Optional(
      Nullable(
        Type.Object(
          {},
          {
            additionalProperties: true,
            description: 'Retention: {days: 1-36500, action?: delete|redact (default delete)}. null: keep content indefinitely.',
          },
        ),
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "A project's data protection settings. See docs/data-protection.md.",
    examples: [
      {
        redaction: {
          detectors: ['email', 'phone', 'payment_card', 'iban'],
          phone_default_country: 'US',
          original: 'encrypt',
          original_roles: ['admin'],
        },
        retention: { days: 90, action: 'delete' },
      },
    ],
  },
);

const CustomPattern = Type.Object({ name: Type.String(), pattern: Type.String(), flags: Type.Optional(Type.String()) });

export const DataProtection = Type.Object(
  {
    redaction: Nullable(
      Type.Object({
        detectors: Type.Array(Type.String()),
        custom: Type.Optional(Type.Array(CustomPattern)),
        phone_default_country: Type.Optional(Type.String()),
        fields: Type.Array(StringEnum(REDACTABLE_FIELDS)),
        original: StringEnum(ORIGINAL_POLICIES),
        original_roles: Type.Array(RoleSchema),
      }),
    ),
    retention: Nullable(Type.Object({ days: Type.Integer(), action: StringEnum(RETENTION_ACTIONS) })),
  },
  { description: 'Redaction at capture and retention; both null when the project has none' },
);

export const OriginalItem = Type.Object({
  item_id: Type.String(),
  input: Type.Unknown({ description: 'As sent, before redaction' }),
  output: Type.Unknown({ description: 'As sent, before redaction' }),
  metadata: Type.Unknown({ description: 'As sent, before redaction' }),
  redactions: Nullable(Type.Record(Type.String(), Type.Integer(), { description: 'What redaction replaced, per detector' })),
});

export const ErasureBody = Type.Object(
  {
    external_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Erase the item(s) captured with this external id' }),
    ),
    metadata: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'Erase every item whose metadata has all these top-level fields with exactly these values (1-10 string, number or boolean fields)',
        },
      ),
    ),
    dry_run: Type.Optional(Type.Boolean({ description: 'Count and list what would be erased, and erase nothing' })),
  },
  { additionalProperties: false, description: 'Who to erase: exactly one of external_id or metadata' },
);

export const ErasureResult = Type.Object({
  id: Nullable(Type.String({ description: 'The erasure record; null on a dry run' })),
  dry_run: Type.Boolean(),
  items: Type.Integer({ description: 'Items erased (or that would be)' }),
  item_ids: Type.Array(Type.String()),
  selector_digest: Type.String({
    description: 'SHA-256 of the canonical selector: proves what was erased to whoever holds the identifier, without storing it',
  }),
});

export const ErasureRecord = Type.Object({
  id: Type.String(),
  selector_kind: StringEnum(['external_id', 'metadata'] as const),
  selector_digest: Type.String(),
  items_erased: Type.Integer(),
  requested_by: Type.String(),
  created_at: Timestamp('When the erasure was carried out'),
});

export const ErasureList = Type.Object({ erasures: Type.Array(ErasureRecord) });
