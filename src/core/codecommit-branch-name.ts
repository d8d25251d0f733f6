/** CodeCommit's longest branch name (the part after `refs/heads/`). */
export const MAX_BRANCH_NAME_LENGTH = 256;

/**
 * CodeCommit's branch name rules (AWS CodeCommit user guide, "Quotas": 1–256 characters; not exactly 40
 * hexadecimal characters; no leading or trailing `/` or `.`; not `@`; no `..`, `//`, `@{`, spaces or any of
 * `? ^ * [ \ ~ :`), which are git's `check-ref-format` rules plus the length limit and the ban on names that
 * look like a full commit id.
 */
export function isValidBranchName(name: string): boolean {
  if (name.length < 1 || name.length > MAX_BRANCH_NAME_LENGTH) return false;
  if (/^[0-9a-fA-F]{40}$/.test(name)) return false;
  if (name === '@' || name.includes('..') || name.includes('//') || name.includes('@{')) return false;
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0x20 || code === 0x7f || '?^*[\\~:'.includes(ch)) return false;
  }
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}
