import { createHash } from 'node:crypto';
import { POLICY_ORG_TAG, POLICY_OWNER_TAG, type DesiredIam } from './iam-model.ts';
import type { PolicyDocument } from './iam-policy.ts';

/**
 * The IAM `gh2cc iam apply` applies, as a CloudFormation template or a Terraform configuration, for teams that
 * own IAM through infrastructure as code. Pure: the CLI writes the text. What neither format can hold (tags
 * on repositories they do not own, Identity Center permission sets, the model's notes) is carried along as
 * metadata or comments, so nothing is dropped without a word.
 */

/** CloudFormation's limits on one stack; over them the template cannot be deployed as it is. */
const CFN_MAX_RESOURCES = 500;
const CFN_MAX_INLINE_BODY = 51_200;
const CFN_MAX_LOGICAL_ID = 255;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Allocates identifiers from names. A name the syntax accepts as it is keeps it; any other gets a hash of the
 * full name appended, always, not only on a clash: an id must not change when another name appears, or
 * CloudFormation and Terraform would replace the resource (and fail, since the IAM name is still taken).
 */
function identifiers(
  clean: (raw: string) => string,
  separator: string,
  maxLength: number,
): (raw: string) => string {
  const owners = new Map<string, string>();
  const byRaw = new Map<string, string>();
  return (raw) => {
    const known = byRaw.get(raw);
    if (known !== undefined) return known;
    const base = clean(raw);
    const digest = sha256(raw);
    const hashed = [8, 16, 64].map(
      (n) => `${base.slice(0, maxLength - n - separator.length)}${separator}${digest.slice(0, n)}`,
    );
    const id = [...(base === raw ? [base] : []), ...hashed].find((c) => !owners.has(c));
    // Only reachable with two names of equal SHA-256.
    if (id === undefined) throw new Error(`no unique identifier for ${raw}`);
    owners.set(id, raw);
    byRaw.set(raw, id);
    return id;
  };
}

function cfnIds(): (raw: string) => string {
  return identifiers((raw) => raw.replace(/[^A-Za-z0-9]/g, ''), '', CFN_MAX_LOGICAL_ID);
}

function terraformIds(): (raw: string) => string {
  const clean = (raw: string): string => {
    const s = raw.replace(/[^A-Za-z0-9_-]/g, '_');
    return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
  };
  return identifiers(clean, '_', 1024);
}

/** The `arn:partition:codecommit:region:account:` the model's policies name repositories under. */
function repoArnPrefix(desired: DesiredIam): string | undefined {
  for (const group of desired.groups)
    for (const policy of group.policies)
      for (const st of policy.document.Statement)
        for (const r of typeof st.Resource === 'string' ? [st.Resource] : st.Resource) {
          const m = /^arn:[^:]+:codecommit:[^:]+:\d{12}:/.exec(r);
          if (m !== null) return m[0];
        }
  return undefined;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function tagCommands(desired: DesiredIam): string[] {
  // Tag-based groups always have a policy naming the repository ARN pattern, so the prefix is known whenever
  // there are tags to write; the placeholder only guards a hand-built model.
  const prefix = repoArnPrefix(desired) ?? 'arn:aws:codecommit:REGION:ACCOUNT_ID:';
  return Object.entries(desired.repoTags).map(
    ([repo, tags]) =>
      `aws codecommit tag-resource --resource-arn ${shellQuote(`${prefix}${repo}`)} --tags ${shellQuote(JSON.stringify(tags))}`,
  );
}

function repoTagsNote(why: string): string {
  return (
    `Tags on the existing CodeCommit repositories (for tag-based access) are not resources here: ${why}. ` +
    'Run these AWS CLI commands, as gh2cc iam apply would tag them, and remove gh2cc:team:* and ' +
    'gh2cc:protect:* tags not listed here: a stale one keeps granting or denying access.'
  );
}

const PERMISSION_SETS_NOTE =
  'IAM Identity Center permission sets are not managed here; attach these customer-managed policies (by name ' +
  'and path) to them.';

const UNMAPPED_NOTE =
  'GitHub users with access and no IAM user, role or permission set in the user map get none.';

const PROBLEMS_NOTE = 'IAM limits this model cannot meet; gh2cc iam apply refuses while there are any.';

/**
 * A CloudFormation template (JSON) of the groups, their managed policies with the groups and roles they are
 * attached to, and the memberships. Deploying it needs CAPABILITY_NAMED_IAM.
 */
export function exportCloudFormation(desired: DesiredIam, _ctx: { userTags?: never }): string {
  const id = cfnIds();
  const resources: Record<string, unknown> = {};
  for (const group of desired.groups) {
    const groupId = id(`Group${group.name}`);
    resources[groupId] = {
      Type: 'AWS::IAM::Group',
      Properties: { GroupName: group.name, Path: desired.path },
    };
    for (const policy of group.policies) {
      resources[id(`Policy${policy.name}`)] = {
        Type: 'AWS::IAM::ManagedPolicy',
        // No Tags: AWS::IAM::ManagedPolicy has no such property (see the metadata note).
        Properties: {
          ManagedPolicyName: policy.name,
          Path: desired.path,
          PolicyDocument: policy.document,
          Groups: [{ Ref: groupId }],
          ...(group.roles.length > 0 ? { Roles: [...group.roles] } : {}),
        },
      };
    }
    if (group.users.length > 0)
      resources[id(`Members${group.name}`)] = {
        Type: 'AWS::IAM::UserToGroupAddition',
        Properties: { GroupName: { Ref: groupId }, Users: [...group.users] },
      };
  }

  const notes = [
    `The IAM groups, managed policies, role attachments and group memberships that gh2cc iam apply applies for the GitHub organization ${desired.org}. Manage them with this stack or with gh2cc iam apply, not both.`,
    `AWS::IAM::ManagedPolicy has no Tags property, so these policies do not carry the ${POLICY_OWNER_TAG} and ${POLICY_ORG_TAG} tags gh2cc iam apply marks its policies with.`,
    'AWS::IAM::UserToGroupAddition only adds: users already in these groups that the model does not list stay in them.',
  ];
  const count = Object.keys(resources).length;
  if (count > CFN_MAX_RESOURCES)
    notes.push(
      `This template has ${count} resources; CloudFormation allows ${CFN_MAX_RESOURCES} per stack, so split it.`,
    );
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `gh2cc: IAM for the GitHub organization ${desired.org}'s CodeCommit access (needs CAPABILITY_NAMED_IAM)`,
    Metadata: {
      gh2cc: {
        notes,
        problems: { note: PROBLEMS_NOTE, items: desired.problems },
        warnings: desired.warnings,
        unmapped: { note: UNMAPPED_NOTE, users: desired.unmapped },
        permissionSets: { note: PERMISSION_SETS_NOTE, policies: desired.permissionSets },
        repoTags: {
          note: repoTagsNote('an AWS::CodeCommit::Repository would create and own the repository'),
          tags: desired.repoTags,
          commands: tagCommands(desired),
        },
      },
    },
    Resources: resources,
  };
  let text = `${JSON.stringify(template, null, 2)}\n`;
  if (new TextEncoder().encode(text).length > CFN_MAX_INLINE_BODY) {
    notes.push(
      `The template is over ${CFN_MAX_INLINE_BODY} bytes: deploy it through S3 (aws cloudformation deploy --s3-bucket).`,
    );
    text = `${JSON.stringify(template, null, 2)}\n`;
  }
  return text;
}

/** Escapes HCL template sequences, which both quoted strings and heredocs interpret. */
function escapeTemplate(s: string): string {
  // Function replacers: in a replacement string `$$` would mean one `$`.
  return s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

const HCL_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function hclString(s: string): string {
  let escaped = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    escaped +=
      HCL_ESCAPES[c] ?? (code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c);
  }
  return `"${escapeTemplate(escaped)}"`;
}

function hclList(items: readonly string[]): string {
  return `[${items.map(hclString).join(', ')}]`;
}

/**
 * A heredoc of the policy JSON. Heredocs do not interpret backslashes, so JSON's own escapes pass through;
 * only `${` and `%{` need escaping. A JSON line is never a bare `EOT`: every one holds a quote or bracket.
 */
function hclPolicyHeredoc(doc: PolicyDocument, indent: string): string[] {
  const body = escapeTemplate(JSON.stringify(doc, null, 2))
    .split('\n')
    .map((line) => `${indent}  ${line}`);
  return ['<<-EOT', ...body, `${indent}EOT`];
}

type Attr = readonly [key: string, lines: readonly string[]];

/**
 * One block, `=` aligned as `terraform fmt` does: over a run of consecutive attributes, which a multi-line
 * value ends (its first line still aligns with the run).
 */
function hclBlock(header: string, attrs: readonly Attr[], indent = ''): string[] {
  const out = [`${indent}${header} {`];
  let i = 0;
  while (i < attrs.length) {
    let j = i;
    while (j < attrs.length && attrs[j]?.[1].length === 1) j += 1;
    const run = attrs.slice(i, j + 1);
    const width = Math.max(...run.map(([k]) => k.length));
    for (const [key, lines] of run) {
      const [first = '', ...rest] = lines;
      out.push(`${indent}  ${key.padEnd(width)} = ${first}`, ...rest);
    }
    i += run.length;
  }
  out.push(`${indent}}`);
  return out;
}

function hclMap(entries: Readonly<Record<string, string>>, indent: string): string[] {
  const attrs: Attr[] = Object.entries(entries).map(([k, v]) => [hclString(k), [hclString(v)]]);
  const block = hclBlock('', attrs, indent);
  return ['{', ...block.slice(1)];
}

const COMMENT_WIDTH = 110;

/** Comment lines, words wrapped at the width unless `wrap` is false (commands stay one line to copy). */
function comment(text: string, prefix = '# ', continuation = prefix, wrap = true): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r\n|\r|\n/)) {
    let line = '';
    for (const word of wrap ? paragraph.split(' ') : [paragraph]) {
      const lead = lines.length === 0 ? prefix : continuation;
      if (line !== '' && lead.length + line.length + 1 + word.length > COMMENT_WIDTH) {
        lines.push(`${lead}${line}`);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    lines.push(`${lines.length === 0 ? prefix : continuation}${line}`);
  }
  return lines.map((l) => l.trimEnd());
}

function commentSection(title: string, items: readonly string[], wrap = true): string[] {
  return [
    '#',
    ...comment(title),
    ...(items.length === 0
      ? ['#   (none)']
      : items.flatMap((item) => comment(item, '#   - ', '#     ', wrap))),
  ];
}

/**
 * A Terraform configuration (hashicorp/aws provider) of the groups, the managed policies tagged as gh2cc's,
 * their group and role attachments, and the memberships. Provider and backend blocks are the user's.
 */
export function exportTerraform(desired: DesiredIam): string {
  const ids = {
    group: terraformIds(),
    policy: terraformIds(),
    roleAttachment: terraformIds(),
    membership: terraformIds(),
  };
  const tags = { [POLICY_OWNER_TAG]: 'gh2cc', [POLICY_ORG_TAG]: desired.org };
  const blocks: string[][] = [];
  for (const group of desired.groups) {
    const gid = ids.group(group.name);
    blocks.push(
      hclBlock(`resource "aws_iam_group" "${gid}"`, [
        ['name', [hclString(group.name)]],
        ['path', [hclString(desired.path)]],
      ]),
    );
    for (const policy of group.policies) {
      const pid = ids.policy(policy.name);
      blocks.push(
        hclBlock(`resource "aws_iam_policy" "${pid}"`, [
          ['name', [hclString(policy.name)]],
          ['path', [hclString(desired.path)]],
          ['policy', hclPolicyHeredoc(policy.document, '  ')],
          ['tags', hclMap(tags, '  ')],
        ]),
        hclBlock(`resource "aws_iam_group_policy_attachment" "${pid}"`, [
          ['group', [`aws_iam_group.${gid}.name`]],
          ['policy_arn', [`aws_iam_policy.${pid}.arn`]],
        ]),
      );
      for (const role of group.roles)
        blocks.push(
          hclBlock(
            `resource "aws_iam_role_policy_attachment" "${ids.roleAttachment(`${policy.name}/${role}`)}"`,
            [
              ['role', [hclString(role)]],
              ['policy_arn', [`aws_iam_policy.${pid}.arn`]],
            ],
          ),
        );
    }
    if (group.users.length > 0)
      blocks.push([
        '# Exclusive: Terraform removes from this group every user not listed here, so manage its members',
        '# nowhere else.',
        ...hclBlock(`resource "aws_iam_group_membership" "${ids.membership(group.name)}"`, [
          ['name', [hclString(group.name)]],
          ['group', [`aws_iam_group.${gid}.name`]],
          ['users', [hclList(group.users)]],
        ]),
      ]);
    else
      blocks.push([
        `# ${group.name}: no mapped IAM users, so no aws_iam_group_membership; Terraform leaves any members`,
        '# the group has alone.',
      ]);
  }

  const header = [
    ...comment(
      `gh2cc: the IAM groups, managed policies, role attachments and group memberships that gh2cc iam apply applies for the GitHub organization ${desired.org}, as hashicorp/aws provider resources (the provider and backend blocks are yours). Manage them with Terraform or with gh2cc iam apply, not both.`,
    ),
    ...commentSection(`Problems. ${PROBLEMS_NOTE}`, desired.problems),
    ...commentSection('Warnings.', desired.warnings),
    ...commentSection(
      `Unmapped users. ${UNMAPPED_NOTE}`,
      desired.unmapped.map((u) => `${u.login}: ${u.groups.join(', ')}`),
    ),
    ...commentSection(
      `Permission sets. ${PERMISSION_SETS_NOTE}`,
      Object.entries(desired.permissionSets).map(([set, policies]) => `${set}: ${policies.join(', ')}`),
    ),
    ...commentSection(
      `Repository tags. ${repoTagsNote('the AWS provider has no resource that tags a repository it does not own, and an aws_codecommit_repository would own it')}`,
      tagCommands(desired),
      false,
    ),
  ];
  return `${[header, ...blocks].map((b) => b.join('\n')).join('\n\n')}\n`;
}
