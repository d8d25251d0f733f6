import { describe, expect, it } from 'vitest';
import { exportCloudFormation, exportTerraform } from './iam-export.ts';
import type { DesiredGroup, DesiredIam } from './iam-model.ts';
import type { PolicyDocument } from './iam-policy.ts';

const ARN = 'arn:aws:codecommit:eu-west-1:123456789012';
// Branch names are arbitrary text: a quote, an HCL interpolation, a template directive and a backslash.
const WEIRD_REF = 'refs/heads/we"ird${x}\\branch';
const DIRECTIVE_REF = 'refs/heads/100%{done}$${y}';
// IAM paths allow any printable ASCII between the slashes.
const WEIRD_PATH = '/gh2cc/a"b\\c${d}%{e}/';

const devsDoc: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Levelpush',
      Effect: 'Allow',
      Action: ['codecommit:GitPull', 'codecommit:GitPush'],
      Resource: [`${ARN}:web`],
    },
    {
      Sid: 'Protected1',
      Effect: 'Deny',
      Action: ['codecommit:GitPush'],
      Resource: [`${ARN}:web`],
      Condition: {
        StringEqualsIfExists: { 'codecommit:References': [WEIRD_REF, DIRECTIVE_REF] },
        Null: { 'codecommit:References': 'false' },
      },
    },
  ],
};

const opsDoc: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'TaggedLevelpull',
      Effect: 'Allow',
      Action: ['codecommit:GitPull'],
      Resource: `${ARN}:*`,
      Condition: { StringEquals: { 'aws:ResourceTag/gh2cc:team:ops': ['pull', 'push', 'maintain'] } },
    },
  ],
};

function group(key: string, mode: 'arn' | 'tag', over: Partial<DesiredGroup> = {}): DesiredGroup {
  const name = `gh2cc-acme-${key}`;
  return {
    key,
    name,
    mode,
    modeReason: 'test',
    policies: [],
    users: [],
    roles: [],
    repos: {},
    ...over,
  };
}

const devs = group('devs', 'arn', {
  policies: [{ name: 'gh2cc-acme-devs-1', document: devsDoc }],
  users: ['alice', 'bob'],
  repos: { web: 'push' },
});
const ops = group('ops', 'tag', {
  policies: [{ name: 'gh2cc-acme-ops-1', document: opsDoc }],
  roles: ['deployer'],
  repos: { api: 'maintain' },
});

const desired: DesiredIam = {
  org: 'acme',
  path: WEIRD_PATH,
  groups: [devs, ops],
  repoTags: { api: { 'gh2cc:team:ops': 'maintain' } },
  unmapped: [{ login: 'carol', groups: ['gh2cc-acme-devs'] }],
  permissionSets: { DevAccess: ['gh2cc-acme-devs-1'] },
  // A newline must not end the comment it is listed in.
  warnings: ['dave may push to web:main on GitHub\nresource "aws_iam_user" "evil" {}'],
  problems: ['IAM user erin would be in 11 gh2cc groups'],
};

const TAG_COMMAND = `aws codecommit tag-resource --resource-arn ${ARN}:api --tags '{"gh2cc:team:ops":"maintain"}'`;

interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
interface CfnTemplate {
  readonly Metadata: { readonly gh2cc: Record<string, unknown> };
  readonly Resources: Record<string, CfnResource>;
}

function cfn(model: DesiredIam): CfnTemplate {
  return JSON.parse(exportCloudFormation(model, {})) as CfnTemplate;
}

/** The logical id the Ref names, checked to be a resource of the type. */
function deref(t: CfnTemplate, ref: unknown, type: string): CfnResource {
  const id = (ref as { Ref?: unknown }).Ref;
  expect(typeof id).toBe('string');
  const r = t.Resources[id as string];
  expect(r?.Type).toBe(type);
  return r as CfnResource;
}

describe('exportCloudFormation', () => {
  it('has the groups, their policies with the documents unchanged, role attachments and memberships', () => {
    const t = cfn(desired);
    const all = Object.values(t.Resources);
    const summary = all.map((r) => [r.Type, r.Properties.GroupName ?? r.Properties.ManagedPolicyName]);
    expect(summary.filter(([type]) => type !== 'AWS::IAM::UserToGroupAddition').sort()).toEqual([
      ['AWS::IAM::Group', 'gh2cc-acme-devs'],
      ['AWS::IAM::Group', 'gh2cc-acme-ops'],
      ['AWS::IAM::ManagedPolicy', 'gh2cc-acme-devs-1'],
      ['AWS::IAM::ManagedPolicy', 'gh2cc-acme-ops-1'],
    ]);
    for (const r of all.filter((x) => x.Type !== 'AWS::IAM::UserToGroupAddition'))
      expect(r.Properties.Path).toBe(WEIRD_PATH);

    const policies = new Map(
      all
        .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
        .map((r) => [r.Properties.ManagedPolicyName, r.Properties]),
    );
    const devsPolicy = policies.get('gh2cc-acme-devs-1');
    const opsPolicy = policies.get('gh2cc-acme-ops-1');
    expect(devsPolicy?.PolicyDocument).toEqual(devsDoc);
    expect(opsPolicy?.PolicyDocument).toEqual(opsDoc);
    const groupsOf = (p: Record<string, unknown> | undefined): unknown[] =>
      (p?.Groups as unknown[]).map((ref) => deref(t, ref, 'AWS::IAM::Group').Properties.GroupName);
    expect(groupsOf(devsPolicy)).toEqual(['gh2cc-acme-devs']);
    expect(groupsOf(opsPolicy)).toEqual(['gh2cc-acme-ops']);
    expect(devsPolicy).not.toHaveProperty('Roles');
    expect(opsPolicy?.Roles).toEqual(['deployer']);
    // AWS::IAM::ManagedPolicy has no Tags property; CloudFormation would reject the template.
    expect(devsPolicy).not.toHaveProperty('Tags');

    const additions = all.filter((r) => r.Type === 'AWS::IAM::UserToGroupAddition');
    expect(additions).toHaveLength(1);
    expect(deref(t, additions[0]?.Properties.GroupName, 'AWS::IAM::Group').Properties.GroupName).toBe(
      'gh2cc-acme-devs',
    );
    expect(additions[0]?.Properties.Users).toEqual(['alice', 'bob']);
  });

  it('carries what it cannot express as resources in its metadata', () => {
    const meta = cfn(desired).Metadata.gh2cc;
    expect(meta.problems).toMatchObject({ items: desired.problems });
    expect(meta.warnings).toEqual(desired.warnings);
    expect(meta.unmapped).toMatchObject({ users: desired.unmapped });
    expect(meta.permissionSets).toMatchObject({ policies: desired.permissionSets });
    expect(meta.repoTags).toMatchObject({ tags: desired.repoTags, commands: [TAG_COMMAND] });
  });
});

// A reader for the HCL subset the export writes, following HCL's rules for strings and heredocs, so an
// escape the export gets wrong either fails here or changes a value.

interface TfBlock {
  readonly type: string;
  readonly name: string;
  readonly attrs: Record<string, unknown>;
}

/** Resolves `$${` and `%%{`; a bare `${` or `%{` would be a template sequence Terraform evaluates. */
function templateChar(s: string, i: number): [string, number] {
  const c = s[i] as string;
  if (c === '$' || c === '%') {
    if (s[i + 1] === c && s[i + 2] === '{') return [`${c}{`, i + 3];
    if (s[i + 1] === '{') throw new Error(`unescaped template sequence at ${i} in ${s}`);
  }
  return [c, i + 1];
}

function readString(s: string, start: number): [string, number] {
  if (s[start] !== '"') throw new Error(`expected a string at ${start} in ${s}`);
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
  let out = '';
  let i = start + 1;
  for (;;) {
    const c = s[i];
    if (c === undefined || c === '\n') throw new Error(`unterminated string in ${s}`);
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const e = s[i + 1] ?? '';
      if (e === 'u') {
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
        i += 6;
      } else if (e in simple) {
        out += simple[e];
        i += 2;
      } else throw new Error(`bad escape \\${e}`);
      continue;
    }
    const [text, next] = templateChar(s, i);
    out += text;
    i = next;
  }
}

function wholeString(s: string): string {
  const [value, end] = readString(s, 0);
  if (end !== s.length) throw new Error(`trailing text after string: ${s}`);
  return value;
}

function parseTerraform(text: string): TfBlock[] {
  const lines = text.split('\n');
  const blocks: TfBlock[] = [];
  let i = 0;
  const next = (): string => {
    const line = lines[i];
    if (line === undefined) throw new Error('unexpected end');
    i += 1;
    return line;
  };
  while (i < lines.length) {
    const line = next();
    if (line === '' || line.startsWith('#')) continue;
    const head = /^resource "([a-z_]+)" "([^"]+)" \{$/.exec(line);
    if (head === null) throw new Error(`unexpected line ${i}: ${line}`);
    const attrs: Record<string, unknown> = {};
    for (let l = next(); l !== '}'; l = next()) {
      const a = /^ {2}([a-z_]+) +=\s(.*)$/.exec(l);
      if (a === null) throw new Error(`unexpected attribute line ${i}: ${l}`);
      const [, key = '', value = ''] = a;
      if (value === '<<-EOT') {
        const body: string[] = [];
        for (let h = next(); !/^\s*EOT$/.test(h); h = next()) body.push(h);
        const indent = Math.min(...body.map((b) => /^ */.exec(b)?.[0].length ?? 0));
        const raw = body.map((b) => b.slice(indent)).join('\n');
        let out = '';
        for (let k = 0; k < raw.length;) {
          const [t, n] = templateChar(raw, k);
          out += t;
          k = n;
        }
        attrs[key] = out;
      } else if (value === '{') {
        const map: Record<string, string> = {};
        for (let m = next(); m !== '  }'; m = next()) {
          const [k, end] = readString(m.trimStart(), 0);
          const rest = m.trimStart().slice(end);
          const eq = /^ += /.exec(rest);
          if (eq === null) throw new Error(`bad map line ${m}`);
          map[k] = wholeString(rest.slice(eq[0].length));
        }
        attrs[key] = map;
      } else if (value.startsWith('"')) {
        attrs[key] = wholeString(value);
      } else if (value.startsWith('[')) {
        const items: string[] = [];
        let k = 1;
        while (value[k] !== ']') {
          const [item, end] = readString(value, k);
          items.push(item);
          k = value.startsWith(', ', end) ? end + 2 : end;
        }
        if (k !== value.length - 1) throw new Error(`trailing text after list: ${value}`);
        attrs[key] = items;
      } else if (/^aws_[a-z_]+\.[A-Za-z0-9_-]+\.(name|arn)$/.test(value)) {
        attrs[key] = { ref: value };
      } else throw new Error(`unexpected value ${value}`);
    }
    blocks.push({ type: head[1] ?? '', name: head[2] ?? '', attrs });
  }
  return blocks;
}

function tf(model: DesiredIam): TfBlock[] {
  return parseTerraform(exportTerraform(model));
}

/** The block a reference like `aws_iam_group.x.name` names. */
function resolve(blocks: readonly TfBlock[], ref: unknown): TfBlock {
  const [type, name] = ((ref as { ref?: string }).ref ?? '').split('.');
  const found = blocks.filter((b) => b.type === type && b.name === name);
  expect(found).toHaveLength(1);
  return found[0] as TfBlock;
}

describe('exportTerraform', () => {
  it('has the groups, tagged policies with the documents unchanged, attachments and memberships', () => {
    const text = exportTerraform(desired);
    const blocks = parseTerraform(text);
    expect(blocks).toHaveLength(text.split('\n').filter((l) => l.startsWith('resource ')).length);
    expect(blocks.map((b) => b.type).sort()).toEqual([
      'aws_iam_group',
      'aws_iam_group',
      'aws_iam_group_membership',
      'aws_iam_group_policy_attachment',
      'aws_iam_group_policy_attachment',
      'aws_iam_policy',
      'aws_iam_policy',
      'aws_iam_role_policy_attachment',
    ]);
    const of = (type: string): TfBlock[] => blocks.filter((b) => b.type === type);
    expect(of('aws_iam_group').map((b) => b.attrs)).toEqual([
      { name: 'gh2cc-acme-devs', path: WEIRD_PATH },
      { name: 'gh2cc-acme-ops', path: WEIRD_PATH },
    ]);

    const policies = of('aws_iam_policy');
    expect(policies.map((b) => b.attrs.name)).toEqual(['gh2cc-acme-devs-1', 'gh2cc-acme-ops-1']);
    expect(JSON.parse(policies[0]?.attrs.policy as string)).toEqual(devsDoc);
    expect(JSON.parse(policies[1]?.attrs.policy as string)).toEqual(opsDoc);
    for (const p of policies) {
      expect(p.attrs.path).toBe(WEIRD_PATH);
      expect(p.attrs.tags).toEqual({ 'gh2cc:managed-by': 'gh2cc', 'gh2cc:org': 'acme' });
    }

    const groupAttachments = of('aws_iam_group_policy_attachment').map((b) => [
      resolve(blocks, b.attrs.group).attrs.name,
      resolve(blocks, b.attrs.policy_arn).attrs.name,
    ]);
    expect(groupAttachments).toEqual([
      ['gh2cc-acme-devs', 'gh2cc-acme-devs-1'],
      ['gh2cc-acme-ops', 'gh2cc-acme-ops-1'],
    ]);
    const roleAttachments = of('aws_iam_role_policy_attachment').map((b) => [
      b.attrs.role,
      resolve(blocks, b.attrs.policy_arn).attrs.name,
    ]);
    expect(roleAttachments).toEqual([['deployer', 'gh2cc-acme-ops-1']]);

    const memberships = of('aws_iam_group_membership');
    expect(memberships.map((b) => [resolve(blocks, b.attrs.group).attrs.name, b.attrs.users])).toEqual([
      ['gh2cc-acme-devs', ['alice', 'bob']],
    ]);
    expect(text).toMatch(/# Exclusive: .*\n.*\nresource "aws_iam_group_membership"/);
  });

  it('keeps any text in quoted strings', () => {
    const odd = 'a"b\\c\n\t\u0001${d}%{e}$${f}';
    const blocks = tf({ ...desired, groups: [{ ...devs, users: [odd, 'bob'] }] });
    expect(blocks.find((b) => b.type === 'aws_iam_group_membership')?.attrs.users).toEqual([odd, 'bob']);
  });

  it('lists what it cannot express as resources in its header comment', () => {
    const header = exportTerraform(desired).split('\n\n')[0] ?? '';
    expect(header.split('\n').every((l) => l.startsWith('#'))).toBe(true);
    for (const line of [
      '#   - IAM user erin would be in 11 gh2cc groups',
      '#   - dave may push to web:main on GitHub',
      '#     resource "aws_iam_user" "evil" {}',
      '#   - carol: gh2cc-acme-devs',
      '#   - DevAccess: gh2cc-acme-devs-1',
      `#   - ${TAG_COMMAND}`,
    ])
      expect(header.split('\n')).toContain(line);
  });
});

describe('identifiers', () => {
  // Names that clean to the same identifier in one format or the other.
  const clashing = ['a.b', 'a_b', 'a-b', 'ab', '1ab'].map((k) =>
    group(k, 'arn', { policies: [{ name: `gh2cc-acme-${k}-1`, document: devsDoc }], users: ['alice'] }),
  );
  const model: DesiredIam = { ...desired, groups: clashing };

  it('are valid and unique even when names clean to the same one, in both formats', () => {
    const ids = Object.keys(cfn(model).Resources);
    expect(ids).toHaveLength(clashing.length * 3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{1,255}$/);

    const blocks = tf(model);
    for (const type of ['aws_iam_group', 'aws_iam_policy', 'aws_iam_group_membership']) {
      const names = blocks.filter((b) => b.type === type).map((b) => b.name);
      expect(new Set(names).size).toBe(clashing.length);
      for (const n of names) expect(n).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
    }
  });

  it('of a name do not change when other names come or go', () => {
    const alone: DesiredIam = { ...desired, groups: [clashing[1] as DesiredGroup] };
    const cfnId = (m: DesiredIam): string | undefined =>
      Object.entries(cfn(m).Resources).find(([, r]) => r.Properties.GroupName === 'gh2cc-acme-a_b')?.[0];
    const tfName = (m: DesiredIam): string | undefined =>
      tf(m).find((b) => b.type === 'aws_iam_group' && b.attrs.name === 'gh2cc-acme-a_b')?.name;
    expect(cfnId(alone)).toBeDefined();
    expect(cfnId(model)).toBe(cfnId(alone));
    expect(tfName(alone)).toBe('gh2cc-acme-a_b');
    expect(tfName(model)).toBe(tfName(alone));
    expect(exportTerraform(model)).toBe(exportTerraform(model));
  });
});
