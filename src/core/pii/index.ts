export {
  BUILTIN_PII_DETECTORS,
  redactionMarker,
  type BuiltinPiiDetector,
  type CustomPiiPattern,
  type PiiDetectionConfig,
  type PiiFinding,
  type PiiProblem,
  type PiiScanner,
} from './types.js';
export { compilePiiScanner, DETECTOR_PRECEDENCE } from './scanner.js';
export { readPiiDetectionConfig, MAX_CUSTOM_PATTERNS } from './config.js';
export { checkCustomPattern, MAX_CUSTOM_PATTERN_LENGTH, CUSTOM_PATTERN_FLAGS, MAX_PROGRAM_SIZE } from './custom-pattern.js';
export { luhnValid, isCardNumber, isCardNumberValue } from './payment-card.js';
export { ibanValid, IBAN_LENGTHS } from './iban.js';
export { isPhoneCountry } from './phone.js';
