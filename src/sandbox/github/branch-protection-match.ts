import type { BranchProtectionRule, RepoMetadata } from './owner-metadata.ts';

export interface MatchedProtection {
  /** The YAML key that matched: the branch name itself or a pattern such as `release/*`. */
  readonly pattern: string;
  readonly rule: BranchProtectionRule;
}

/**
 * GitHub matches classic protection rules with Ruby's `File.fnmatch` and `FNM_PATHNAME`: `*` and `?` stop at
 * `/`, `**` crosses it, `[...]` is a character class.
 */
function fnmatchRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === '*' && pattern.charAt(i + 1) === '*') {
      out += '.*';
      i += 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function matches(pattern: string, branch: string): boolean {
  try {
    return fnmatchRegExp(pattern).test(branch);
  } catch {
    // A class like `[z-a]` is no valid RegExp; fnmatch would match nothing with it either.
    return false;
  }
}

/** The rule protecting `branch`: an exact key wins, then the first pattern (in YAML order) that matches. */
export function protectionFor(metadata: RepoMetadata, branch: string): MatchedProtection | undefined {
  const rules = metadata.branch_protection;
  const exact = rules[branch];
  if (exact !== undefined) return { pattern: branch, rule: exact };
  for (const [pattern, rule] of Object.entries(rules)) {
    if (/[*?[]/.test(pattern) && matches(pattern, branch)) return { pattern, rule };
  }
  return undefined;
}
