import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FastImportStream } from '../git/fast-import.ts';
import { runGit } from '../git/git-runner.ts';

export const DEMO_ORG = 'demo-org';

/** How big the demo's hard cases are; tests shrink them, the demo uses the defaults. */
export interface DemoSize {
  /** Tags in `ref-heavy`: more than CodeCommit's 4,000 ref updates per push. */
  readonly tags: number;
  /** First-parent commits in `long-history`: enough for several incremental push steps. */
  readonly longHistory: number;
}

export const DEFAULT_DEMO_SIZE: DemoSize = { tags: 4500, longHistory: 2500 };

async function bareRepo(path: string, stream?: FastImportStream, head = 'main'): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
  await runGit(path, ['init', '--bare', '--quiet', `--initial-branch=${head}`]);
  if (stream !== undefined) await runGit(path, ['fast-import', '--quiet'], { input: stream.toString() });
}

function platformApi(): FastImportStream {
  const s = new FastImportStream();
  let tip = s.commit({
    branch: 'refs/heads/main',
    message: 'Initial commit',
    files: { 'README.md': '# platform-api\n' },
  });
  let release = 0;
  // Merge-heavy: every feature branch forks from main, gets a few commits, and is merged back with --no-ff.
  for (let f = 1; f <= 12; f += 1) {
    let feature = 0;
    for (let c = 1; c <= 3; c += 1) {
      feature = s.commit({
        branch: `refs/heads/feature/f${f}`,
        message: `feature ${f}: step ${c}`,
        files: { [`src/feature-${f}.txt`]: `feature ${f} step ${c}\n` },
        ...(c === 1 ? { from: tip } : {}),
      });
    }
    tip = s.commit({
      branch: 'refs/heads/main',
      message: `Merge feature/f${f}`,
      from: tip,
      merge: [feature],
    });
    if (f % 3 === 0) {
      release += 1;
      s.annotatedTag(`v1.${release}.0`, tip, `Release 1.${release}.0`);
    }
    if (f === 6) s.ref('refs/tags/build-6', tip);
  }
  s.ref('refs/heads/develop', tip);
  s.commit({ branch: 'refs/heads/develop', message: 'Work in progress', files: { 'WIP.md': 'wip\n' } });
  s.ref('refs/heads/release/1.x', tip);
  s.ref('refs/tags/latest', tip);
  return s;
}

function refHeavy(tags: number): FastImportStream {
  const s = new FastImportStream();
  const commits: number[] = [];
  for (let i = 0; i < 40; i += 1) {
    commits.push(
      s.commit({ branch: 'refs/heads/main', message: `build ${i}`, files: { VERSION: `${i}\n` } }),
    );
  }
  for (let t = 0; t < tags; t += 1) {
    const target = commits[t % commits.length] ?? 1;
    const name = `refs/tags/build-${String(t).padStart(5, '0')}`;
    if (t < 50) s.annotatedTag(name.replace('refs/tags/', ''), target, `annotated build ${t}`);
    else s.ref(name, target);
  }
  return s;
}

function pullRequests(): FastImportStream {
  const s = new FastImportStream();
  const main = s.commit({
    branch: 'refs/heads/main',
    message: 'Initial',
    files: { 'app.js': 'console.log(1)\n' },
  });
  const pr1 = s.commit({
    branch: 'refs/pull/1/head',
    message: 'PR 1 from a fork',
    from: main,
    files: { 'app.js': 'console.log(2)\n' },
  });
  s.commit({ branch: 'refs/pull/1/merge', message: 'Merge PR 1 into main', from: main, merge: [pr1] });
  s.commit({ branch: 'refs/pull/2/head', message: 'PR 2', from: main, files: { 'b.js': 'b\n' } });
  s.commit({ branch: 'refs/heads/topic', message: 'A topic branch', from: main, files: { 'c.js': 'c\n' } });
  return s;
}

function simple(
  name: string,
  commits: number,
  extraFiles: Readonly<Record<string, string>> = {},
  branch = 'main',
): FastImportStream {
  const s = new FastImportStream();
  for (let i = 1; i <= commits; i += 1) {
    s.commit({
      branch: `refs/heads/${branch}`,
      message: `${name}: change ${i}`,
      files: i === 1 ? { 'README.md': `# ${name}\n`, ...extraFiles } : { 'CHANGELOG.md': `change ${i}\n` },
    });
  }
  return s;
}

function lfsPointers(): FastImportStream {
  const pointer = (oid: string, size: number): string =>
    `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
  return simple('design-assets', 3, {
    '.gitattributes':
      '*.psd filter=lfs diff=lfs merge=lfs -text\n*.png filter=lfs diff=lfs merge=lfs -text\n',
    'logo.psd': pointer('4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393', 1_048_576),
    'hero.png': pointer('8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4', 204_800),
  });
}

/**
 * Creates the demo organization under `${githubDir}`: one repository per hard case gh2cc must handle, plus
 * teams, members and branch protection in `demo-org.yaml`.
 */
export async function seedDemo(githubDir: string, size: DemoSize = DEFAULT_DEMO_SIZE): Promise<void> {
  const org = join(githubDir, DEMO_ORG);
  await mkdir(org, { recursive: true });
  const long = new FastImportStream();
  for (let i = 1; i <= size.longHistory; i += 1) {
    long.commit({ branch: 'refs/heads/main', message: `commit ${i}`, files: { 'counter.txt': `${i}\n` } });
  }
  const wiki = simple('platform-api wiki', 2, { 'Home.md': '# Welcome to the platform-api wiki\n' });
  await Promise.all([
    bareRepo(join(org, 'platform-api.git'), platformApi()),
    bareRepo(join(org, 'platform-api.wiki.git'), wiki, 'master'),
    bareRepo(join(org, 'ref-heavy.git'), refHeavy(size.tags)),
    bareRepo(join(org, 'pull-requests.git'), pullRequests()),
    bareRepo(join(org, 'long-history.git'), long),
    bareRepo(join(org, 'release-notes.git.git'), simple('release-notes.git', 2)),
    bareRepo(join(org, 'old-monolith.git'), simple('old-monolith', 5)),
    bareRepo(join(org, 'empty-repo.git')),
    bareRepo(join(org, 'design-assets.git'), lfsPointers()),
    bareRepo(join(org, 'web-frontend.git'), simple('web-frontend', 8, {}, 'trunk'), 'trunk'),
  ]);
  const meta = {
    type: 'Organization',
    description: 'A sample organization for the gh2cc demo',
    members: [
      { login: 'olivia-owner', role: 'admin' },
      { login: 'dev-dana', role: 'member' },
      { login: 'dev-sam', role: 'member' },
      { login: 'sec-lee', role: 'member' },
    ],
    teams: [
      {
        slug: 'platform',
        name: 'Platform',
        description: 'Platform engineering',
        privacy: 'closed',
        members: [
          { login: 'dev-dana', role: 'maintainer' },
          { login: 'dev-sam', role: 'member' },
        ],
        repos: { 'platform-api': 'maintain', 'ref-heavy': 'push', 'long-history': 'push' },
      },
      {
        slug: 'platform-oncall',
        name: 'Platform on-call',
        description: 'Inherits Platform access',
        privacy: 'closed',
        parent: 'platform',
        members: [{ login: 'dev-sam', role: 'member' }],
        repos: { 'pull-requests': 'triage' },
      },
      {
        slug: 'frontend',
        name: 'Frontend',
        privacy: 'closed',
        members: [{ login: 'dev-sam', role: 'maintainer' }],
        repos: { 'web-frontend': 'admin', 'design-assets': 'push' },
      },
      {
        slug: 'security',
        name: 'Security',
        privacy: 'secret',
        members: [{ login: 'sec-lee', role: 'member' }],
        repos: { 'platform-api': 'pull', 'web-frontend': 'pull', 'old-monolith': 'pull' },
      },
    ],
    repos: {
      'platform-api': {
        description:
          'Core platform API: merge-heavy history, several branches, annotated and lightweight tags',
        topics: ['api', 'backend', 'go'],
        visibility: 'private',
        has_wiki: true,
        branch_protection: {
          main: {
            required_approving_review_count: 1,
            enforce_admins: true,
            allow_force_pushes: false,
            allow_deletions: false,
            restrictions: { users: [], teams: ['platform'] },
          },
        },
      },
      'ref-heavy': {
        description: `${size.tags} tags: more than CodeCommit accepts in one push`,
        topics: ['ci'],
      },
      'pull-requests': {
        description: 'Carries GitHub refs/pull/* refs that must never reach CodeCommit',
        topics: [],
      },
      'long-history': {
        description: `${size.longHistory} commits, pushed incrementally`,
        topics: ['history'],
      },
      'release-notes.git': { description: 'A name CodeCommit rejects (it ends in .git)', topics: [] },
      'old-monolith': { description: 'Archived long ago', archived: true, topics: ['legacy'] },
      'empty-repo': { description: 'Nothing pushed yet', topics: [] },
      'design-assets': { description: 'Uses Git LFS pointers', topics: ['design'] },
      'web-frontend': {
        description: 'Default branch is trunk',
        topics: ['frontend', 'typescript'],
        visibility: 'internal',
      },
    },
  };
  await writeFile(join(githubDir, `${DEMO_ORG}.yaml`), stringify(meta));
}
