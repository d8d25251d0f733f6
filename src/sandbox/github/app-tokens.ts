import { createPublicKey, randomBytes, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/** The sandbox's one GitHub App, installed on every organization it serves. */
export interface SandboxApp {
  readonly appId: number;
  readonly installationId: number;
  /** PEM of the App's private key (what GitHub lets an App owner download). */
  readonly privateKeyPem: string;
}

function equal(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function base64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What authenticates a request to the GitHub sandbox: the admin token, the App's JWT (RS256, `iss` = the App
 * id, at most 10 minutes long, as GitHub requires) for the `/app` endpoints, and the installation tokens it
 * issued, each valid until it expires (an hour by default, as on GitHub; shorter for tests of expiry).
 */
export class GithubTokens {
  private readonly installation = new Map<string, number>();
  /** How many installation tokens have been issued (tests of renewal read it). */
  issued = 0;
  private readonly publicKey: KeyObject;

  constructor(
    private readonly adminToken: string,
    readonly app: SandboxApp,
    private readonly tokenTtlMs: number = 3600_000,
    private readonly now: () => number = Date.now,
  ) {
    this.publicKey = createPublicKey(app.privateKeyPem);
  }

  /** True for the admin token or an installation token that has not expired. */
  accepts(token: string | undefined): boolean {
    if (token === undefined) return false;
    if (equal(this.adminToken, token)) return true;
    const expires = this.installation.get(token);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.installation.delete(token);
    return false;
  }

  /** Why a JWT is refused, or undefined when it is the App's, signed with its key and current. */
  checkJwt(jwt: string | undefined): string | undefined {
    if (jwt === undefined) return 'missing';
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'malformed';
    const [h = '', p = '', sig = ''] = parts;
    const header = base64urlJson(h);
    const payload = base64urlJson(p);
    if (header?.['alg'] !== 'RS256' || payload === undefined) return 'malformed';
    const good = verify('sha256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(sig, 'base64url'));
    if (!good) return 'bad signature';
    const now = Math.floor(this.now() / 1000);
    const { iss, iat, exp } = payload as { iss?: unknown; iat?: unknown; exp?: unknown };
    if (String(iss) !== String(this.app.appId)) return "'Issuer' claim ('iss') must be the App's id";
    if (typeof iat !== 'number' || typeof exp !== 'number') return 'missing iat/exp';
    if (iat > now + 60) return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
    if (exp <= now) return "'Expiration time' claim ('exp') is too far in the past";
    if (exp - iat > 600) return "'Expiration time' claim ('exp') is too far in the future";
    return undefined;
  }

  /** The installation tokens still known (canaries for the secret scans of the tests). */
  tokens(): string[] {
    return [...this.installation.keys()];
  }

  /** A new installation token (`ghs_…`) and when it expires. */
  issue(): { token: string; expiresAt: Date } {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expiresAt = new Date(this.now() + this.tokenTtlMs);
    this.installation.set(token, expiresAt.getTime());
    this.issued += 1;
    return { token, expiresAt };
  }
}
