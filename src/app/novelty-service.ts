import { noveltySignature, NoveltySketch } from '../core/novelty/index.js';
import { inputText } from '../core/policy/item-path.js';
import type { ItemInput } from '../core/types.js';
import type { AppContext } from './context.js';

/** Signatures kept per project and server: the last this many inputs. */
export const NOVELTY_CAPACITY = 10_000;
/** Below this many remembered inputs a score says little: items get no novelty (null). */
export const NOVELTY_MIN_HISTORY = 100;
/** Inputs read from the store to fill a project's sketch when this server first captures for it. */
const WARM_ITEMS = 2_000;

interface ProjectSketch {
  sketch: NoveltySketch;
  ready: Promise<void>;
}

const sketches = new WeakMap<AppContext, Map<string, ProjectSketch>>();

/**
 * A project's sketch of recent inputs on this server, filled once from its latest stored items
 * so a restart does not make everything look new. Each server keeps its own: with several,
 * each sees the traffic it captures (plus the warm-up), which is what a sample of the whole
 * needs to be for "unlike anything recent" to hold.
 */
export function projectSketch(ctx: AppContext, projectId: string): ProjectSketch {
  let map = sketches.get(ctx);
  if (map === undefined) {
    map = new Map();
    sketches.set(ctx, map);
  }
  let entry = map.get(projectId);
  if (entry === undefined) {
    const sketch = new NoveltySketch({ capacity: NOVELTY_CAPACITY });
    entry = { sketch, ready: warm(ctx, projectId, sketch) };
    map.set(projectId, entry);
  }
  return entry;
}

async function warm(ctx: AppContext, projectId: string, sketch: NoveltySketch): Promise<void> {
  try {
    const rows = await ctx.store.db
      .selectFrom('items')
      .select(['input'])
      .where('project_id', '=', projectId)
      .where('probe_of', 'is', null)
      .where('purged_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(WARM_ITEMS)
      .execute();
    // Oldest first, so the ring buffer keeps the newest when the store holds more than it does.
    for (const row of rows.reverse()) sketch.add(signatureOf(ctx.store.json.read<ItemInput>(row.input)));
  } catch (err) {
    ctx.logger.warn({ err, project_id: projectId }, 'novelty sketch could not be filled from the store; it starts empty');
  }
}

function signatureOf(input: ItemInput): Uint32Array {
  return noveltySignature(inputText(input));
}

/**
 * Scores an input against the sketch, then remembers it: 1 − the largest estimated Jaccard
 * similarity of its word shingles with a recent input, or null while the sketch holds too
 * little to say. Synchronous once the sketch is ready (await `ready` first).
 */
export function scoreAndRemember(entry: ProjectSketch, input: ItemInput): number | null {
  const signature = signatureOf(input);
  const score = entry.sketch.size < NOVELTY_MIN_HISTORY ? null : entry.sketch.score(signature);
  entry.sketch.add(signature);
  return score === null ? null : Math.round(score * 10_000) / 10_000;
}
