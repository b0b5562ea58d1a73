/**
 * The quality statistics as one module: pure functions (no I/O) shared by the server, the CLI
 * and the dashboards. Each names its method and source; docs/statistics.md has the formulas.
 */
export * from './ratings.js';
export * from './stats-errors.js';
export * from './random.js';
export * from './quantile.js';
export * from './bootstrap.js';
export * from './agreement/rating-table.js';
export * from './agreement/percent-agreement.js';
export * from './agreement/cohen-kappa.js';
export * from './agreement/fleiss-kappa.js';
export * from './agreement/krippendorff-alpha.js';
export * from './agreement/krippendorff-bootstrap.js';
export * from './agreement/unit-bootstrap.js';
export * from './reviewer/wilson-interval.js';
export * from './reviewer/reviewer-accuracy.js';
export * from './aggregation/majority-vote.js';
export * from './aggregation/weighted-vote.js';
export * from './aggregation/dawid-skene.js';
export * from './drift/category-counts.js';
export * from './drift/psi.js';
export * from './drift/ks-test.js';
export * from './drift/jensen-shannon.js';
export * from './drift/chi-square.js';
export * from './estimation/ipw-error-rate.js';
export * from './distributions/normal.js';
export * from './distributions/gamma.js';
export * from './distributions/kolmogorov.js';
export * from './estimation/routing-classes.js';
export * from './timeseries.js';
