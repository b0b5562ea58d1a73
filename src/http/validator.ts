import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

/**
 * Bodies are validated as sent: a string "0.5" is not a number, and unknown fields are
 * refused rather than silently dropped. Query strings and path parameters arrive as text,
 * so only they are coerced.
 */
export function createValidatorCompiler(shared: object[]): FastifySchemaCompiler<unknown> {
  const strictAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const coercingAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  for (const s of shared) {
    strictAjv.addSchema(s);
    coercingAjv.addSchema(s);
  }
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
    return ajv.compile(schema as object);
  };
}
