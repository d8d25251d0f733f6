import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../util/errors.ts';

/**
 * The schema of `${dir}/<owner>.yaml`, the metadata the GitHub sandbox serves next to the bare repositories.
 * Every key is optional: an owner folder of bare repositories with no YAML at all is a valid organization.
 * Objects are strict so that a misspelt key fails loudly instead of silently meaning "default".
 */

/** GitHub logins: letters, digits and single inner hyphens, at most 39 characters. */
export const githubLoginSchema = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, {
  error: 'must be a GitHub login: letters, digits and single hyphens, at most 39 characters',
});

/**
 * Repository names as the sandbox stores them (`<name>.git` folders). Wider than what github.com lets you
 * create on purpose: the demo carries a `release-notes.git` repository to exercise CodeCommit's name rules.
 */
export const repoNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, {
    error: 'must be 1-100 characters of letters, digits, ".", "_" and "-"',
  })
  .refine((name) => name !== '.' && name !== '..' && !name.endsWith('.wiki'), {
    error: 'must not be "." or ".." or end in ".wiki" (that suffix names a wiki)',
  });

export const teamSlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be a team slug: lowercase letters, digits, "-" and "_"' });

const topicSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,49}$/, {
  error: 'must be a topic: lowercase letters, digits and "-", at most 50',
});

const timestampSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const idSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER);

export const repoPermissionSchema = z.enum(['pull', 'triage', 'push', 'maintain', 'admin']);
export type RepoPermission = z.infer<typeof repoPermissionSchema>;

export const orgMemberSchema = z.strictObject({
  login: githubLoginSchema,
  /** `admin` is an organization owner. */
  role: z.enum(['admin', 'member']).default('member'),
});

export const teamMemberSchema = z.strictObject({
  login: githubLoginSchema,
  role: z.enum(['member', 'maintainer']).default('member'),
});

export const teamSchema = z.strictObject({
  slug: teamSlugSchema,
  /** Display name; the slug when absent. */
  name: z.string().min(1).optional(),
  description: z.string().nullable().default(null),
  privacy: z.enum(['closed', 'secret']).default('closed'),
  /** Slug of the parent team; a child team inherits the parent's repository access. */
  parent: teamSlugSchema.nullable().optional(),
  members: z.array(teamMemberSchema).default([]),
  /** Repository name to the permission this team grants on it. */
  repos: z.record(repoNameSchema, repoPermissionSchema).default({}),
  /** Fixes the numeric id; otherwise one is derived from the org and slug. */
  id: idSchema.optional(),
  created_at: timestampSchema.optional(),
});

const enabledFlag = z.boolean().default(false);

export const branchProtectionSchema = z.strictObject({
  /** Present means pull request reviews are required, with this many approvals. */
  required_approving_review_count: z.int().min(0).max(6).optional(),
  dismiss_stale_reviews: enabledFlag,
  require_code_owner_reviews: enabledFlag,
  require_last_push_approval: enabledFlag,
  required_status_checks: z
    .strictObject({ strict: z.boolean().default(false), contexts: z.array(z.string().min(1)).default([]) })
    .optional(),
  enforce_admins: enabledFlag,
  allow_force_pushes: enabledFlag,
  allow_deletions: enabledFlag,
  required_linear_history: enabledFlag,
  required_signatures: enabledFlag,
  required_conversation_resolution: enabledFlag,
  block_creations: enabledFlag,
  lock_branch: enabledFlag,
  /** Who may push; absent means everyone with write access (organization repositories only). */
  restrictions: z
    .strictObject({
      users: z.array(githubLoginSchema).default([]),
      teams: z.array(teamSlugSchema).default([]),
    })
    .nullable()
    .optional(),
});
export type BranchProtectionRule = z.infer<typeof branchProtectionSchema>;

export const repoMetadataSchema = z.strictObject({
  description: z.string().nullable().default(null),
  topics: z.array(topicSchema).max(20).default([]),
  archived: z.boolean().default(false),
  visibility: z.enum(['public', 'private', 'internal']).default('private'),
  fork: z.boolean().default(false),
  homepage: z.string().nullable().default(null),
  has_wiki: z.boolean().default(true),
  has_issues: z.boolean().default(true),
  has_projects: z.boolean().default(true),
  /** Otherwise the bare repository's HEAD. */
  default_branch: z.string().min(1).optional(),
  /** Otherwise the time the bare repository folder was created. */
  created_at: timestampSchema.optional(),
  /** Fixes the numeric id (keep it when renaming to mimic GitHub); otherwise derived from owner and name. */
  id: idSchema.optional(),
  /**
   * Branch name, or fnmatch pattern such as `release/*`, to its protection rule. An exact name wins over
   * patterns; among patterns the first listed wins.
   */
  branch_protection: z.record(z.string().min(1), branchProtectionSchema).default({}),
});
export type RepoMetadata = z.infer<typeof repoMetadataSchema>;

export const ownerMetadataSchema = z
  .strictObject({
    type: z.enum(['Organization', 'User']).default('Organization'),
    /** Display name. */
    name: z.string().nullable().default(null),
    description: z.string().nullable().default(null),
    id: idSchema.optional(),
    created_at: timestampSchema.optional(),
    members: z.array(orgMemberSchema).default([]),
    teams: z.array(teamSchema).default([]),
    repos: z.record(repoNameSchema, repoMetadataSchema).default({}),
  })
  .superRefine((owner, ctx) => {
    if (owner.type === 'User') {
      if (owner.members.length > 0)
        ctx.addIssue({ code: 'custom', path: ['members'], message: 'only organizations have members' });
      if (owner.teams.length > 0)
        ctx.addIssue({ code: 'custom', path: ['teams'], message: 'only organizations have teams' });
      for (const [name, repo] of Object.entries(owner.repos)) {
        if (repo.visibility === 'internal') {
          ctx.addIssue({
            code: 'custom',
            path: ['repos', name, 'visibility'],
            message: 'internal needs an organization',
          });
        }
      }
    }
    const seenMembers = new Set<string>();
    owner.members.forEach((m, i) => {
      const key = m.login.toLowerCase();
      if (seenMembers.has(key))
        ctx.addIssue({ code: 'custom', path: ['members', i, 'login'], message: 'listed twice' });
      seenMembers.add(key);
    });
    const slugs = new Set<string>();
    owner.teams.forEach((t, i) => {
      if (slugs.has(t.slug))
        ctx.addIssue({ code: 'custom', path: ['teams', i, 'slug'], message: 'listed twice' });
      slugs.add(t.slug);
    });
    const parentOf = new Map(owner.teams.map((t) => [t.slug, t.parent ?? null]));
    owner.teams.forEach((t, i) => {
      if (t.parent === undefined || t.parent === null) return;
      if (!slugs.has(t.parent)) {
        ctx.addIssue({
          code: 'custom',
          path: ['teams', i, 'parent'],
          message: `no team with slug "${t.parent}"`,
        });
        return;
      }
      // Walk up at most teams.length steps: any longer walk has gone round a cycle.
      let cursor: string | null = t.parent;
      for (let steps = 0; cursor !== null; steps += 1) {
        if (cursor === t.slug || steps > owner.teams.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['teams', i, 'parent'],
            message: 'team parents form a cycle',
          });
          return;
        }
        cursor = parentOf.get(cursor) ?? null;
      }
    });
    for (const [name, repo] of Object.entries(owner.repos)) {
      for (const [branch, rule] of Object.entries(repo.branch_protection)) {
        (rule.restrictions?.teams ?? []).forEach((slug, i) => {
          if (!slugs.has(slug)) {
            ctx.addIssue({
              code: 'custom',
              path: ['repos', name, 'branch_protection', branch, 'restrictions', 'teams', i],
              message: `no team with slug "${slug}"`,
            });
          }
        });
      }
    }
  });

/** The owner metadata after defaults are applied: what the sandbox serves. */
export type OwnerMetadata = z.infer<typeof ownerMetadataSchema>;
/** What a `<owner>.yaml` may contain (every defaulted key optional): what seeders write. */
export type OwnerMetadataInput = z.input<typeof ownerMetadataSchema>;

/** Renders a zod issue path as `teams[0].members[1].role`, quoting keys that are not plain words. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? '(root)' : out;
}

/** Validates already-parsed metadata; throws a ConfigError naming `source` and every bad key path. */
export function validateOwnerMetadata(raw: unknown, source: string): OwnerMetadata {
  // An empty file parses as null: that is an owner with every default.
  const result = ownerMetadataSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({ path: formatKeyPath(issue.path), message: issue.message })),
    source,
  );
}

/** Parses the text of an owner YAML file; `source` (the file path) is named in every error. */
export function parseOwnerMetadata(text: string, source: string): OwnerMetadata {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      [{ path: '(file)', message: `not valid YAML: ${err instanceof Error ? err.message : String(err)}` }],
      source,
    );
  }
  return validateOwnerMetadata(raw, source);
}
