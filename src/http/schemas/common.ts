import { Type, type TSchema } from 'typebox';
import { ROLES } from '../../core/types.js';

/** Any JSON value; documented by the field's description. */
export const Json = (description: string) => Type.Unknown({ description });

export const Id = (what: string) => Type.String({ minLength: 1, maxLength: 100, description: `${what} id` });

export const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const RoleSchema = Type.Unsafe<(typeof ROLES)[number]>({
  type: 'string',
  enum: [...ROLES],
  description: 'admin | manager | expert | reviewer | viewer | ingest',
});

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable code, e.g. TG_TASK_LEASE_EXPIRED' }),
      message: Type.String({ description: 'Human-readable explanation' }),
      details: Type.Optional(Type.Unknown({ description: 'Structured context, e.g. the failing field paths' })),
    }),
  },
  { $id: 'Error', description: 'Every error response has this shape.' },
);

export const errorResponses = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  413: Type.Ref('Error'),
  422: Type.Ref('Error'),
} as const;

export const ProjectParams = Type.Object({ project_id: Id('Project') });
export const ItemParams = Type.Object({ item_id: Id('Item') });
export const TaskParams = Type.Object({ task_id: Id('Task') });

/** A closed set of strings, emitted as a plain JSON Schema `enum` and typed as the union. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
