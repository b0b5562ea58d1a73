import type { JsonObject, JsonValue } from '../../core/types.js';
import { CliError } from '../cli-error.js';
import { TollgateClient } from '../http-client.js';
import { isJsonObject } from '../input-files.js';
import { resolveClientConfig, type CliIo, type ClientOptions } from './client-options.js';

/**
 * What the commands for a project's versioned sets (evaluators, monitors) share: calls that
 * must answer with a body, a client that can tell a new version (201) from an unchanged one
 * (200), and reading a set file.
 */

export const seg = (id: string): string => encodeURIComponent(id);

export async function call<T>(client: TollgateClient, method: string, path: string, body?: unknown): Promise<T> {
  const result = await client.request<T>(method, path, body);
  if (result === null) throw new CliError(`${method} ${path}: the server sent no body`);
  return result;
}

/**
 * A client that remembers its last response's status: saving answers 201 for a new version and
 * 200 when the set was already current, and the body alone cannot tell the two apart.
 */
export function connectWithStatus(opts: ClientOptions, io: CliIo): { client: TollgateClient; status: () => number } {
  let status = 0;
  const send = io.fetch ?? fetch;
  const recording: typeof fetch = async (input, init) => {
    const res = await send(input, init);
    status = res.status;
    return res;
  };
  return { client: new TollgateClient(resolveClientConfig(opts, io.env), recording), status: () => status };
}

/** A set file: `{"<key>": [...]}` as the API takes it, or the bare array people write first. */
export function parseSetFile(text: string, source: string, key: string): JsonObject {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new CliError(`${source}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Array.isArray(value)) return { [key]: value };
  if (isJsonObject(value) && Array.isArray(value[key])) return value;
  throw new CliError(`${source}: expected {"${key}": [...]} or an array of ${key}`);
}
