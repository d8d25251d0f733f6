export interface ParsedAuthorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  readonly day: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  /** Credential scope exactly as sent, `DAY/REGION/SERVICE/aws4_request`. */
  readonly scope: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export type AuthorizationParse =
  | { readonly ok: true; readonly value: ParsedAuthorization }
  | { readonly ok: false; readonly message: string };

/**
 * Parses `AWS4-HMAC-SHA256 Credential=AKID/DAY/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`.
 * Signers differ in the spacing after commas, so components are split on commas and trimmed.
 */
export function parseAuthorization(header: string): AuthorizationParse {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    return { ok: false, message: `Unsupported AWS 'algorithm': '${algorithm}'` };
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  // The real service names every missing component in one message, then echoes the header.
  const missing: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!fields.get(name)) missing.push(`Authorization header requires '${name}' parameter.`);
  }
  if (missing.length > 0) return { ok: false, message: `${missing.join(' ')} Authorization=${header}` };
  const credential = fields.get('Credential') ?? '';
  const scopeParts = credential.split('/');
  if (scopeParts.length !== 5 || scopeParts.some((p) => p === '')) {
    return {
      ok: false,
      message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    };
  }
  const [accessKeyId = '', day = '', region = '', service = '', terminator = ''] = scopeParts;
  return {
    ok: true,
    value: {
      algorithm,
      accessKeyId,
      day,
      region,
      service,
      terminator,
      scope: scopeParts.slice(1).join('/'),
      signedHeaders: (fields.get('SignedHeaders') ?? '').split(';').map((h) => h.trim().toLowerCase()),
      signature: (fields.get('Signature') ?? '').toLowerCase(),
    },
  };
}
