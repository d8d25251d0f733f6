/** IAM policy documents as gh2cc writes them, and the limits they must stay within. */

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** Managed policy size limit: 6,144 characters, whitespace not counted. */
export const MANAGED_POLICY_MAX_CHARS = 6144;
/** Managed policies attached to one group (and, by default, to one role). */
export const MANAGED_POLICIES_PER_GROUP = 10;
export const MANAGED_POLICIES_PER_ROLE = 10;
/** IAM groups in one account (default quota). */
export const GROUPS_PER_ACCOUNT = 300;
/** Groups one IAM user can belong to. */
export const GROUPS_PER_USER = 10;
/** Versions kept per managed policy. */
export const POLICY_VERSIONS_MAX = 5;
/** IAM group and policy names: at most 128 characters of `[\w+=,.@-]`. */
export const IAM_NAME_MAX = 128;

/** The size IAM counts: the document's characters without whitespace outside strings. */
export function policySize(doc: PolicyDocument): number {
  return JSON.stringify(doc).length;
}

export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Splits statements into as few documents as it can, each within the size limit; a statement whose Resource
 * list alone is too big is cut into several (its Sid plus `Part` and a counter). Returns undefined when a single
 * statement with a single resource does not fit (cannot happen with gh2cc's statements).
 */
export function packStatements(
  statements: readonly PolicyStatement[],
  maxChars = MANAGED_POLICY_MAX_CHARS,
): PolicyDocument[] | undefined {
  const pieces: PolicyStatement[] = [];
  for (const st of statements) {
    const split = splitStatement(st, maxChars);
    if (split === undefined) return undefined;
    pieces.push(...split);
  }
  const docs: PolicyStatement[][] = [];
  let current: PolicyStatement[] = [];
  for (const st of pieces) {
    if (current.length > 0 && policySize(policyDocument([...current, st])) > maxChars) {
      docs.push(current);
      current = [];
    }
    current.push(st);
  }
  if (current.length > 0) docs.push(current);
  return docs.map(policyDocument);
}

function splitStatement(st: PolicyStatement, maxChars: number): PolicyStatement[] | undefined {
  if (policySize(policyDocument([st])) <= maxChars) return [st];
  const resources = typeof st.Resource === 'string' ? [st.Resource] : st.Resource;
  if (resources.length <= 1) return undefined;
  const out: PolicyStatement[] = [];
  let chunk: string[] = [];
  const make = (list: readonly string[]): PolicyStatement => ({
    ...st,
    // `Part` keeps the pieces apart from other statements' Sids (Protected1 cut in two is not Protected11).
    Sid: `${st.Sid}Part${out.length + 1}`,
    Resource: list,
  });
  for (const r of resources) {
    if (chunk.length > 0 && policySize(policyDocument([make([...chunk, r])])) > maxChars) {
      out.push(make(chunk));
      chunk = [];
    }
    chunk.push(r);
  }
  if (chunk.length > 0) out.push(make(chunk));
  if (out.some((s) => policySize(policyDocument([s])) > maxChars)) return undefined;
  return out;
}
