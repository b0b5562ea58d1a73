import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { TollgateClient, type ClientConfig } from '../http-client.js';
import type { InputStream } from '../input-files.js';

/** Where the commands read and write; tests swap in their own. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdin: InputStream;
  out(text: string): void;
  err(text: string): void;
  fetch?: typeof fetch;
}

export const processIo: CliIo = {
  env: process.env,
  stdin: process.stdin,
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export interface ClientOptions {
  url?: string;
  key?: string;
}

export interface JsonOption {
  json?: boolean;
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** Flags win over the environment; the default URL matches the server's own default port. */
export function resolveClientConfig(opts: ClientOptions, env: CliIo['env']): ClientConfig {
  const raw = nonEmpty(opts.url) ?? nonEmpty(env.TOLLGATE_URL) ?? `http://127.0.0.1:${nonEmpty(env.TOLLGATE_PORT) ?? '8080'}`;
  const url = httpUrl(raw);
  if (url === null) throw new CliError(`server URL must be an http:// or https:// URL, got "${raw}"`);
  const key = nonEmpty(opts.key) ?? nonEmpty(env.TOLLGATE_KEY);
  if (key === undefined) {
    throw new CliError('no API key: pass --key <key> or set TOLLGATE_KEY (an admin mints keys with "tollgate keys create --role <role>")');
  }
  // Keep any path prefix, for a server mounted behind a reverse proxy.
  return { baseUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), key };
}

function httpUrl(raw: string): URL | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** A leaf command with the connection flags every client command takes. */
export function clientCommand(parent: Command, spec: string, description: string): Command {
  return parent
    .command(spec)
    .description(description)
    .option('--url <url>', 'server URL (default: TOLLGATE_URL, else http://127.0.0.1:$TOLLGATE_PORT, port 8080 if unset)')
    .option('--key <key>', 'API key (default: TOLLGATE_KEY)');
}

export const connect = (opts: ClientOptions, io: CliIo): TollgateClient => new TollgateClient(resolveClientConfig(opts, io.env), io.fetch);
