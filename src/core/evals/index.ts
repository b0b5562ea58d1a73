export {
  CHECK_TYPES,
  DEFAULT_TOKEN_F1_THRESHOLD,
  LENGTH_UNITS,
  MAX_BLOCKLIST_TERMS,
  MAX_BLOCKLIST_TERM_LENGTH,
  MAX_SCHEMA_CHARS,
  MAX_SCHEMA_ERRORS,
  REFERENCE_MODES,
  type BlocklistCheckSpec,
  type CheckItem,
  type CheckProblem,
  type CheckResult,
  type CheckSpec,
  type CheckStatus,
  type CheckTarget,
  type CheckType,
  type CompiledCheck,
  type JsonSchemaCheckSpec,
  type LengthCheckSpec,
  type LengthUnit,
  type PiiCheckSpec,
  type ReferenceCheckSpec,
  type ReferenceMode,
  type RefusalCheckSpec,
  type RegexCheckSpec,
} from './types.js';
export { readCheckSpec } from './validate.js';
export { compileCheck } from './compile.js';
export { REFUSAL_PHRASES, findRefusalPhrase } from './refusal.js';
export { normalizeAnswer, squadTokens, tokenF1 } from './reference.js';
export { measure } from './length.js';
