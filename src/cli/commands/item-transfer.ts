import type { JsonObject } from '../../core/types.js';
import { CliError } from '../cli-error.js';
import type { CaptureResult, Item, ItemQuery, TollgateClient } from '../http-client.js';

/**
 * One item goes to the single-item route; more go in batches, each its own transaction, so a
 * failure part-way leaves the earlier batches stored (and already printed).
 */
export async function sendItems(
  client: TollgateClient,
  projectId: string,
  items: readonly JsonObject[],
  batchSize: number,
  onStored: (results: CaptureResult[]) => void,
): Promise<void> {
  const [only] = items;
  if (items.length === 1 && only !== undefined) return onStored([await client.captureItem(projectId, only)]);
  for (let start = 0; start < items.length; start += batchSize) {
    try {
      onStored(await client.captureBatch(projectId, items.slice(start, start + batchSize)));
    } catch (err) {
      if (start === 0 || !(err instanceof CliError)) throw err;
      throw new CliError(
        `${err.message}\n  note: items 0-${start - 1} were stored; item numbers in this error count from item ${start} of the input`,
        err.exitCode,
      );
    }
  }
}

/** Returns the cursor of the page after the last one read (null at the end). */
export async function forEachPage(
  client: TollgateClient,
  projectId: string,
  query: ItemQuery,
  all: boolean,
  onPage: (items: Item[]) => void,
): Promise<string | null> {
  let cursor = query.cursor;
  for (;;) {
    const page = await client.listItems(projectId, { ...query, cursor });
    onPage(page.items);
    if (!all || page.next_cursor === null) return page.next_cursor;
    cursor = page.next_cursor;
  }
}
