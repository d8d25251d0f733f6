import {
  GetGroupCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  ListAttachedGroupPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupsCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ListTagsForResourceCommand, type CodeCommitClient } from '@aws-sdk/client-codecommit';
import pLimit from 'p-limit';
import { awsErrorName } from '../codecommit/classify-aws-error.ts';
import { isAccessTag, type CurrentGroup, type CurrentIam, type CurrentPolicy } from '../core/iam-plan.ts';
import { classifyIamError } from './classify-iam-error.ts';

export interface ReadScope {
  /** gh2cc's IAM path, e.g. `/gh2cc/my-org/`. */
  readonly path: string;
  /** IAM user names the user map names (checked to exist). */
  readonly users: readonly string[];
  /** IAM role names the user map names (checked to exist). */
  readonly roles: readonly string[];
  /** CodeCommit repositories whose access tags to read: name to ARN. */
  readonly repos: ReadonlyMap<string, string>;
  readonly concurrency?: number;
}

/** Follows IAM's Marker pagination until IsTruncated is false. */
async function allPages<T>(
  fetchPage: (marker: string | undefined) => Promise<{ items: T[]; marker?: string; truncated?: boolean }>,
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await fetchPage(marker);
    out.push(...page.items);
    if (page.truncated !== true || page.marker === undefined) return out;
    marker = page.marker;
  }
}

function isNotFound(err: unknown): boolean {
  return /NoSuchEntity/.test(awsErrorName(err));
}

/** What IAM and the repositories hold today, within gh2cc's scope. */
export async function readCurrentIam(
  iam: IAMClient,
  codecommit: CodeCommitClient,
  scope: ReadScope,
): Promise<CurrentIam> {
  const limit = pLimit(scope.concurrency ?? 8);
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw classifyIamError(err, what);
    }
  };

  const groupNames = await step(`list IAM groups under ${scope.path}`, () =>
    allPages(async (Marker) => {
      const r = await iam.send(new ListGroupsCommand({ PathPrefix: scope.path, Marker }));
      // Filtered here too: only what is under gh2cc's path is gh2cc's, whatever a server makes of PathPrefix
      // (moto ignores it for groups).
      return {
        items: (r.Groups ?? []).filter((g) => g.Path === scope.path).map((g) => g.GroupName ?? ''),
        marker: r.Marker,
        truncated: r.IsTruncated,
      };
    }),
  );
  const groups: CurrentGroup[] = await Promise.all(
    groupNames.map((name) =>
      limit(() =>
        step(`read IAM group ${name}`, async () => {
          const users = await allPages(async (Marker) => {
            const r = await iam.send(new GetGroupCommand({ GroupName: name, Marker }));
            return {
              items: (r.Users ?? []).map((u) => u.UserName ?? ''),
              marker: r.Marker,
              truncated: r.IsTruncated,
            };
          });
          const attached = await allPages(async (Marker) => {
            const r = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name, Marker }));
            return {
              items: (r.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''),
              marker: r.Marker,
              truncated: r.IsTruncated,
            };
          });
          return { name, users: users.sort(), attached: attached.sort() };
        }),
      ),
    ),
  );

  const listed = await step(`list IAM policies under ${scope.path}`, () =>
    allPages(async (Marker) => {
      const r = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: scope.path, Marker }));
      return {
        items: (r.Policies ?? []).filter((p) => p.Path === scope.path),
        marker: r.Marker,
        truncated: r.IsTruncated,
      };
    }),
  );
  const roleAttachments: Record<string, string[]> = {};
  const policies: CurrentPolicy[] = await Promise.all(
    listed.map((p) =>
      limit(() =>
        step(`read IAM policy ${p.PolicyName ?? ''}`, async () => {
          const arn = p.Arn ?? '';
          const tags = await allPages(async (Marker) => {
            const r = await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn, Marker }));
            return { items: r.Tags ?? [], marker: r.Marker, truncated: r.IsTruncated };
          });
          const version = await iam.send(
            new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.DefaultVersionId ?? 'v1' }),
          );
          const raw = version.PolicyVersion?.Document;
          let document: unknown;
          try {
            // IAM returns the document URL-encoded.
            document = raw === undefined ? undefined : JSON.parse(decodeURIComponent(raw));
          } catch {
            document = raw;
          }
          const roles = await allPages(async (Marker) => {
            const r = await iam.send(
              new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Role', Marker }),
            );
            return {
              items: (r.PolicyRoles ?? []).map((x) => x.RoleName ?? ''),
              marker: r.Marker,
              truncated: r.IsTruncated,
            };
          });
          for (const role of roles) (roleAttachments[role] ??= []).push(arn);
          return {
            name: p.PolicyName ?? '',
            arn,
            document,
            tags: Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? ''])),
          };
        }),
      ),
    ),
  );

  /** The names `get` reports as not existing (NoSuchEntity); any other error stops the read. */
  const missing = async (
    names: readonly string[],
    what: string,
    get: (name: string) => Promise<unknown>,
  ): Promise<string[]> =>
    (
      await Promise.all(
        names.map((name) =>
          limit(async () => {
            try {
              await get(name);
              return [];
            } catch (err) {
              if (isNotFound(err)) return [name];
              throw classifyIamError(err, `read IAM ${what} ${name}`);
            }
          }),
        ),
      )
    ).flat();
  const missingUsers = await missing(scope.users, 'user', (UserName) =>
    iam.send(new GetUserCommand({ UserName })),
  );
  const missingRoles = await missing(scope.roles, 'role', (RoleName) =>
    iam.send(new GetRoleCommand({ RoleName })),
  );

  const repoTags: Record<string, Record<string, string>> = {};
  const missingRepos: string[] = [];
  await Promise.all(
    [...scope.repos].map(([repo, arn]) =>
      limit(async () => {
        try {
          const r = await codecommit.send(new ListTagsForResourceCommand({ resourceArn: arn }));
          const access = Object.entries(r.tags ?? {}).filter(([k]) => isAccessTag(k));
          if (access.length > 0) repoTags[repo] = Object.fromEntries(access);
        } catch (err) {
          // Not migrated yet: nothing to tag; the plan tags it once it exists.
          if (/RepositoryDoesNotExist/.test(awsErrorName(err))) {
            missingRepos.push(repo);
            return;
          }
          throw classifyIamError(err, `read the tags of CodeCommit repository ${repo}`);
        }
      }),
    ),
  );

  return {
    groups: groups.sort((a, b) => a.name.localeCompare(b.name)),
    policies: policies.sort((a, b) => a.name.localeCompare(b.name)),
    roleAttachments,
    repoTags,
    missingUsers,
    missingRoles,
    missingRepos: missingRepos.sort(),
  };
}
