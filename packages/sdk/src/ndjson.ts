import { TollgateError } from './errors.js';

/** Called around each read of the body (the client times only the waits on the network). */
export interface ReadHooks {
  beforeRead?: () => void;
  afterRead?: () => void;
}

/**
 * Parses JSON Lines incrementally from a response body: each record is yielded as soon as its
 * line is complete, whatever the chunking (a chunk may end mid-line or mid-character). Blank
 * lines are skipped; `\r\n` works too. Stopping early (`break`) cancels the body, which closes
 * the connection. Uses only the WHATWG stream reader, so it runs on Node's and browsers' fetch.
 */
export async function* readNdjson<T>(response: Response, hooks: ReadHooks = {}): AsyncGenerator<T, void, undefined> {
  let lineNo = 0;
  const parse = (line: string): T | undefined => {
    lineNo++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new TollgateError(`export line ${lineNo} is not JSON: ${text.slice(0, 100)}`, { cause: err });
    }
  };

  if (response.body === null) {
    // Some fetch implementations hand no stream; the whole text then arrives at once.
    for (const line of (await response.text()).split('\n')) {
      const record = parse(line);
      if (record !== undefined) yield record;
    }
    return;
  }

  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let finished = false;
  try {
    for (;;) {
      hooks.beforeRead?.();
      const { done, value } = await reader.read();
      hooks.afterRead?.();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      for (let nl = buffer.indexOf('\n', start); nl >= 0; nl = buffer.indexOf('\n', start)) {
        const record = parse(buffer.slice(start, nl));
        start = nl + 1;
        if (record !== undefined) yield record;
      }
      buffer = buffer.slice(start);
    }
    buffer += decoder.decode();
    finished = true;
    const last = parse(buffer);
    if (last !== undefined) yield last;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
