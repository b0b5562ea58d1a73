import { invalidStatsInput } from '../stats-errors.js';

const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_32 = 5.656854249492381;

// Coefficients of W. J. Cody's rational Chebyshev approximations (Cody 1969, "Rational Chebyshev
// approximations for the error function", Math. Comp. 23:631-637; as packaged in ACM TOMS
// Algorithm 715, Cody 1993). They give Φ to near full double precision, which a plain erf
// approximation (e.g. Abramowitz & Stegun 7.1.26, ~1e-7) would not. Here and below, the published
// 20-digit coefficients are written as the nearest double (shortest round-trip form), which is the
// value the runtime would use anyway.
const A = [2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356, 0.06568233791820745] as const;
const B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673] as const;
const C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726, 6848.190450536283, 11602.65143764735,
  9842.714838383978, 1.0765576773720192e-8,
] as const;
const D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097, 34900.95272114598, 38912.00328609327,
  19685.429676859992,
] as const;
const P = [
  0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 2.9112874951168793e-5, 0.023073441764940174,
] as const;
const Q = [1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 7.297515550839662e-5] as const;

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * Lower and upper tail of the standard normal, computed together so that neither is obtained by
 * the cancelling subtraction 1 − Φ(x). Cody (1969) / TOMS 715 ANORM, three ranges of |x|.
 */
function normalTails(x: number): { lower: number; upper: number } {
  if (Number.isNaN(x)) throw invalidStatsInput('normal distribution argument is NaN');
  const y = Math.abs(x);
  if (y <= 0.66291) {
    const xsq = y > 1.1102230246251565e-16 ? x * x : 0;
    let num = A[4] * xsq;
    let den = xsq;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]!) * xsq;
      den = (den + B[i]!) * xsq;
    }
    const t = (x * (num + A[3])) / (den + B[3]);
    return { lower: 0.5 + t, upper: 0.5 - t };
  }
  let tail: number;
  if (y <= SQRT_32) {
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    tail = (num + C[7]) / (den + D[7]);
  } else if (Number.isFinite(y)) {
    const xsq = 1 / (x * x);
    let num = P[5] * xsq;
    let den = xsq;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]!) * xsq;
      den = (den + Q[i]!) * xsq;
    }
    tail = (INV_SQRT_2PI - (xsq * (num + P[4])) / (den + Q[4])) / y;
  } else {
    tail = 0;
  }
  if (tail !== 0) {
    // exp(−y²/2) split as exp(−s²/2)·exp(−(y−s)(y+s)/2) with s = y rounded to 1/16, as Cody does,
    // so the large exponent is formed without rounding error in y².
    const s = Math.trunc(y * 16) / 16;
    const del = (y - s) * (y + s);
    tail = Math.exp(-s * s * 0.5) * Math.exp(-del * 0.5) * tail;
  }
  return x > 0 ? { lower: 1 - tail, upper: tail } : { lower: tail, upper: 1 - tail };
}

/** Standard normal distribution function Φ(x) (Cody 1969 rational Chebyshev approximation, ~1e-15 relative). */
export function normalCdf(x: number): number {
  return normalTails(x).lower;
}

/** Standard normal survival function 1 − Φ(x), accurate in the far upper tail (Cody 1969). */
export function normalSurvival(x: number): number {
  return normalTails(x).upper;
}

// Wichura (1988), Algorithm AS 241 "The percentage points of the normal distribution",
// Applied Statistics 37(3):477-484, PPND16 coefficients (about 1 part in 1e16).
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987, 67265.7709270087, 33430.57558358813,
  2509.0809287301227,
] as const;
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271, 28729.085735721943, 5226.495278852854,
] as const;
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684, 0.2417807251774506,
  0.022723844989269184, 7.745450142783414e-4,
] as const;
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457, 5.475938084995345e-4,
  1.0507500716444169e-9,
] as const;
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124, 0.0012426609473880784,
  2.7115555687434876e-5, 2.0103343992922881e-7,
] as const;
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 7.868691311456133e-4, 1.8463183175100548e-5, 1.421511758316446e-7,
  2.0442631033899397e-15,
] as const;

function ratio(num: readonly number[], den: readonly number[], r: number): number {
  let n = 0;
  let d = 0;
  for (let i = num.length - 1; i >= 0; i--) {
    n = n * r + num[i]!;
    d = d * r + den[i]!;
  }
  return n / d;
}

/**
 * Standard normal quantile Φ⁻¹(p) for p in (0, 1) by Wichura's Algorithm AS 241 (PPND16, 1988),
 * accurate to about 1e-16 relative, so no refinement step is needed.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw invalidStatsInput('normal quantile needs a probability strictly between 0 and 1', { p });
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    return q * ratio(AS241_A, AS241_B, 0.180625 - q * q);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = ratio(AS241_C, AS241_D, r);
  } else {
    r -= 5;
    z = ratio(AS241_E, AS241_F, r);
  }
  return q < 0 ? -z : z;
}
