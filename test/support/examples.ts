/** The documented examples, from the one place the API reference takes them too. */
export { EXAMPLE_POLICY, EXAMPLE_RUBRIC } from '../../src/http/schemas/examples.js';
