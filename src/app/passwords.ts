import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (RFC 7914) from Node's own crypto: memory-hard, no native add-on
 * to build, and the parameters travel inside the hash (`scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`),
 * so raising the cost later needs no migration: an older hash still verifies and is replaced at
 * the next sign-in (`needsRehash`).
 *
 * The default, N = 2^17, r = 8, p = 1, is OWASP's recommended minimum for scrypt (128 MiB and
 * about a third of a second per hash on a server core): slow enough to make a stolen table
 * expensive to crack, and paid only at sign-in. Tests pass a cheaper cost.
 */
export interface PasswordCost {
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_PASSWORD_COST: PasswordCost = { logN: 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** Shortest password accepted: NIST SP 800-63B asks for at least 8; 12 leaves headroom. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, cost: PasswordCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export class PasswordHasher {
  constructor(readonly cost: PasswordCost = DEFAULT_PASSWORD_COST) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, this.cost);
    const { logN, r, p } = this.cost;
    return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Whether the password matches the stored hash; false for a malformed hash, never a throw. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parseHash(stored);
    if (parsed === null) return false;
    const key = await derive(password, parsed.salt, parsed.cost);
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  /** A hash made with a lower cost than this hasher's: replace it after a successful sign-in. */
  needsRehash(stored: string): boolean {
    const parsed = parseHash(stored);
    return parsed === null || parsed.cost.logN < this.cost.logN || parsed.cost.r < this.cost.r || parsed.cost.p < this.cost.p;
  }

  /**
   * Spends the same time as a real verification, for unknown or disabled accounts: the answer
   * time then says nothing about which emails have an account.
   */
  async burn(password: string): Promise<void> {
    await derive(password, Buffer.alloc(SALT_BYTES), this.cost);
  }
}

function parseHash(stored: string): { cost: PasswordCost; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [logN, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 24 || r > 64 || p > 16) return null;
  return { cost: { logN, r, p }, salt: Buffer.from(parts[4] ?? '', 'base64url'), key: Buffer.from(parts[5] ?? '', 'base64url') };
}
