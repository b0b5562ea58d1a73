import fc from 'fast-check';

/*
 * Property tests explore a fixed sample by default, so CI gives the same verdict on every run;
 * FC_SEED=random explores afresh (fast-check prints the seed of any counterexample), and
 * FC_SEED=<n> replays one.
 */
const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed === undefined ? 20261125 : Number(seed) });
