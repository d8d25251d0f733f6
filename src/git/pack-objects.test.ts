import { execFileSync } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/git.ts';
import { runGit } from './git-runner.ts';
import { countCommits, PackObjects, rootAttributes } from './pack-objects.ts';

const ID = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];

/** A work tree whose history gives git reason to store deltas: one file grown commit by commit, on two branches. */
async function historyRepo(): Promise<string> {
  const dir = await tempDir('gh2cc-pack-');
  await runGit(dir, ['init', '--quiet', '--initial-branch=main']);
  const lines: string[] = [];
  for (let i = 0; i < 30; i += 1) {
    lines.push(`line ${i} ${'x'.repeat(60)}`);
    await writeFile(join(dir, 'big.txt'), `${lines.join('\n')}\n`);
    await writeFile(join(dir, `f${i % 5}.txt`), `file ${i}\n`);
    if (i === 10) await writeFile(join(dir, '.gitattributes'), '*.psd filter=lfs diff=lfs merge=lfs -text\n');
    if (i === 20) await writeFile(join(dir, '.gitattributes'), '*.txt text\n');
    await runGit(dir, ['add', '-A']);
    await runGit(dir, [...ID, 'commit', '--quiet', '-m', `commit ${i}`]);
    if (i === 15) await runGit(dir, ['branch', 'side']);
    if (i === 12) await runGit(dir, [...ID, 'tag', '-a', '-m', 'twelve', 'v12']);
  }
  await runGit(dir, ['checkout', '--quiet', 'side']);
  for (let i = 0; i < 4; i += 1) {
    await writeFile(join(dir, 'side.txt'), `side ${i}\n`);
    await runGit(dir, ['add', '-A']);
    await runGit(dir, [...ID, 'commit', '--quiet', '-m', `side ${i}`]);
  }
  return dir;
}

async function everyObject(gitDir: string): Promise<Array<{ sha: string; type: string }>> {
  const { stdout } = await runGit(gitDir, [
    'cat-file',
    '--batch-all-objects',
    '--batch-check=%(objectname) %(objecttype)',
  ]);
  return stdout
    .trim()
    .split('\n')
    .map((l) => {
      const [sha = '', type = ''] = l.split(' ');
      return { sha, type };
    });
}

async function expectSameAsGit(gitDir: string): Promise<void> {
  const objects = await PackObjects.open(gitDir);
  expect(objects).toBeDefined();
  const all = await everyObject(gitDir);
  expect(all.length).toBeGreaterThan(100);
  for (const { sha, type } of all) {
    const mine = objects?.read(sha);
    const content = execFileSync('git', ['cat-file', type, sha], { cwd: gitDir });
    expect(mine?.type).toBe(type);
    expect(mine?.data.equals(content)).toBe(true);
  }
  expect(objects?.read('0'.repeat(40))).toBeUndefined();
}

describe('objects read from packs in this process', () => {
  it('are what git reads: every object of a repository packed with offset deltas, with base-id deltas, and loose', async () => {
    const work = await historyRepo();
    const gitDir = join(work, '.git');
    await runGit(work, ['repack', '-a', '-d', '-f', '--depth=20', '--window=50', '-q']);
    const packs = (await readdir(join(gitDir, 'objects', 'pack'))).filter((n) => n.endsWith('.pack'));
    expect(packs).toHaveLength(1);
    const verify = await runGit(work, ['verify-pack', '-v', join(gitDir, 'objects', 'pack', packs[0] ?? '')]);
    expect(verify.stdout).toMatch(/ \d+ \d+ \d+ \d+ [0-9a-f]{40}\n/); // some entries are deltas
    await expectSameAsGit(gitDir);

    // Deltas that name their base by id (REF_DELTA), as a pack written without --delta-base-offset has them.
    const bare = join(await tempDir('gh2cc-pack-'), 'r.git');
    await runGit(work, ['init', '--bare', '--quiet', bare]);
    const pack = execFileSync('git', ['pack-objects', '--all', '--revs', '--stdout', '-q'], {
      cwd: work,
      input: '',
    });
    execFileSync('git', ['index-pack', '--stdin'], { cwd: bare, input: pack });
    await expectSameAsGit(bare);

    // Loose objects beside the pack.
    await writeFile(join(work, 'new.txt'), 'loose\n');
    await runGit(work, ['add', '-A']);
    await runGit(work, [...ID, 'commit', '--quiet', '-m', 'loose']);
    await expectSameAsGit(gitDir);
  });

  it('count the commits git rev-list --count counts, and read .gitattributes as git cat-file does', async () => {
    const work = await historyRepo();
    const gitDir = join(work, '.git');
    await runGit(work, ['repack', '-a', '-d', '-q']);
    const objects = await PackObjects.open(gitDir);
    if (objects === undefined) throw new Error('not opened');
    const sha = async (rev: string) => (await runGit(work, ['rev-parse', rev])).stdout.trim();
    const cases: Array<[string[], string[]]> = [
      [['main'], []],
      [['main', 'side'], []],
      [['side'], ['main']],
      [['main'], ['v12']],
      [
        ['main', 'side'],
        ['main~3', 'side~1'],
      ],
      [['v12'], ['main']],
    ];
    for (const [tips, exclude] of cases) {
      const t = await Promise.all(tips.map(sha));
      const x = await Promise.all(exclude.map(sha));
      const git = await runGit(work, ['rev-list', '--count', ...t, ...x.map((e) => `^${e}`)]);
      expect(countCommits(objects, t, x, 1000), `${tips.join(' ')} ^${exclude.join(' ^')}`).toBe(
        Number(git.stdout.trim()),
      );
    }
    // Past the limit: git is asked.
    expect(countCommits(objects, [await sha('main')], [], 10)).toBeUndefined();

    for (const rev of ['main', 'main~5', 'main~15', 'v12', 'main~29']) {
      const git = await runGit(work, ['cat-file', '-p', `${rev}:.gitattributes`], { check: false });
      expect(rootAttributes(objects, await sha(rev)), rev).toBe(git.code === 0 ? git.stdout : '');
    }
    expect(rootAttributes(objects, await sha('main~15'))).toContain('filter=lfs');
  });

  it('leave a big or SHA-256 repository to git', async () => {
    const parent = await tempDir('gh2cc-pack-');
    const dir = join(parent, 'sha256.git');
    await runGit(parent, ['init', '--bare', '--quiet', '--object-format=sha256', dir]);
    expect(await PackObjects.open(dir)).toBeUndefined();
    const big = join(parent, 'big.git');
    await runGit(parent, ['init', '--bare', '--quiet', big]);
    const pack = join(big, 'objects', 'pack', 'pack-x');
    await writeFile(`${pack}.idx`, '');
    await writeFile(`${pack}.pack`, Buffer.alloc(3 * 1024 * 1024));
    expect(await PackObjects.open(big)).toBeUndefined();
    await rm(`${pack}.pack`);
  });
});
