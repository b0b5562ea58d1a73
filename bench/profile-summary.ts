/**
 * Summarizes a V8 .cpuprofile (from `BENCH_CPU_PROF=1 npm run bench` or `node --cpu-prof`):
 * self time by area (Tollgate source file, package, node internals, GC) and the hottest
 * functions by self and by inclusive time.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [focus]
 *
 * With `focus` (a substring of a function label, e.g. "prepare" or "executeQuery"), also prints
 * the heaviest call paths leading to the matching frames (condensed to Tollgate's own frames).
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const focus = process.argv[4];
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Where a frame lives: a src/ file, a package, node internals, or a V8 pseudo-frame. */
function area(f: CallFrame): string {
  const u = f.url;
  if (u === '') return f.functionName.startsWith('(') ? f.functionName : '(native/builtin)';
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    return `pkg:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (u.startsWith('node:')) return 'node:internals';
  const src = u.indexOf('/src/');
  if (src >= 0) return u.slice(src + 1);
  const bench = u.indexOf('/bench/');
  if (bench >= 0) return u.slice(bench + 1);
  return u;
}
function label(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${area(f)}:${f.lineNumber + 1}`;
}

const self = new Map<string, number>();
const selfArea = new Map<string, number>();
const inclusive = new Map<string, number>();
const inclusiveArea = new Map<string, number>();
const focusPaths = new Map<string, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  const id = profile.samples[i]!;
  const leaf = byId.get(id);
  if (!leaf) continue;
  total += dt;
  self.set(label(leaf.callFrame), (self.get(label(leaf.callFrame)) ?? 0) + dt);
  selfArea.set(area(leaf.callFrame), (selfArea.get(area(leaf.callFrame)) ?? 0) + dt);
  const seen = new Set<string>();
  const seenArea = new Set<string>();
  let focusFound = false;
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (focus !== undefined && !focusFound && label(f).includes(focus)) {
      focusFound = true;
      // Condensed: the matching frame, then only Tollgate frames and Kysely's transaction steps.
      const path: string[] = [label(f)];
      for (let up = parent.get(cur); up !== undefined && path.length < 8; up = parent.get(up)) {
        const uf = byId.get(up)!.callFrame;
        if (area(uf).startsWith('src/') || /^(commit|begin|rollback)Transaction$/.test(uf.functionName)) path.push(label(uf));
      }
      const key = path.join('\n      <- ');
      focusPaths.set(key, (focusPaths.get(key) ?? 0) + dt);
    }
    const l = label(f);
    if (!seen.has(l)) {
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
    }
    const a = area(f);
    if (!seenArea.has(a)) {
      seenArea.add(a);
      inclusiveArea.set(a, (inclusiveArea.get(a) ?? 0) + dt);
    }
  }
}

const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%`;
const print = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${ms(v)}  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by area', selfArea, top);
print('inclusive time by area (a frame anywhere on the stack)', inclusiveArea, top);
print('self time by function', self, top);
print('inclusive time by function', inclusive, top);
if (focus !== undefined) print(`heaviest call paths into "${focus}"`, focusPaths, 8);
