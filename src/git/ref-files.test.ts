import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, tempDir } from '../../test/helpers/git.ts';
import { parseRefLines, runGit } from './git-runner.ts';
import { createBareRepo, readRefFiles, writeRefFiles } from './ref-files.ts';

const PREFIXES = ['refs/heads/', 'refs/tags/', 'refs/gh2cc/pushed/'];

async function forEachRef(dir: string): Promise<Map<string, string>> {
  const { stdout } = await runGit(dir, ['for-each-ref', '--format=%(objectname) %(refname)', ...PREFIXES]);
  return parseRefLines(stdout);
}

describe('refs read from the files of a bare repository', () => {
  it('agree with git for-each-ref: packed and loose refs, a loose one over its packed value, nested and non-ASCII names, annotated tags, a symbolic ref', async () => {
    const dir = await makeRepo(3, (s, tips) => {
      s.ref('refs/heads/feature/deep/x', tips[0] ?? 1);
      s.ref('refs/heads/über-ñ', tips[1] ?? 1);
      s.ref('refs/gh2cc/pushed/heads/main', tips[0] ?? 1);
      s.ref('refs/pull/1/head', tips[0] ?? 1);
    });
    await runGit(dir, [
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'tag',
      '-a',
      '-m',
      'release',
      'v1',
      'main',
    ]);
    await runGit(dir, ['tag', 'light', 'main~1']);
    await runGit(dir, ['pack-refs', '--all']);
    // After packing: a loose value over the packed one, a new loose ref, a symbolic ref and a lock file.
    await runGit(dir, ['update-ref', 'refs/heads/feature/deep/x', 'main']);
    await runGit(dir, ['update-ref', 'refs/tags/after-pack', 'main~2']);
    await runGit(dir, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/main']);
    await writeFile(join(dir, 'refs', 'heads', 'in-progress.lock'), `${'a'.repeat(40)}\n`);

    const fromGit = await forEachRef(dir);
    const fromFiles = await readRefFiles(dir, PREFIXES);
    expect(fromGit.size).toBe(8);
    expect(fromGit.get('refs/heads/alias')).toBe(fromGit.get('refs/heads/main'));
    expect(fromFiles && [...fromFiles]).toEqual([...fromGit]);
  });

  it('answers undefined for a repository that keeps its refs another way (reftable), so git is asked', async () => {
    const dir = await tempDir();
    await createBareRepo(join(dir, 'r.git'), '[extensions]\n\trefStorage = reftable\n');
    expect(await readRefFiles(join(dir, 'r.git'), PREFIXES)).toBeUndefined();
  });
});

describe('a bare repository made without git', () => {
  it('is one git recognises, fetches into and lists, with the config given', async () => {
    const source = await makeRepo(2);
    const dir = join(await tempDir(), 'owner', 'repo.git');
    await createBareRepo(dir, '[gc]\n\tauto = 0\n');
    expect((await runGit(dir, ['rev-parse', '--is-bare-repository'])).stdout.trim()).toBe('true');
    expect((await runGit(dir, ['config', 'gc.auto'])).stdout.trim()).toBe('0');
    await runGit(dir, ['fetch', '--quiet', source, '+refs/heads/*:refs/heads/*']);
    expect([...((await readRefFiles(dir, PREFIXES)) ?? [])]).toEqual([...(await forEachRef(source))]);
    expect((await runGit(dir, ['fsck', '--no-progress'])).code).toBe(0);
  });

  it('replaces a folder an interrupted earlier attempt left without a HEAD', async () => {
    const dir = join(await tempDir(), 'repo.git');
    await mkdir(join(dir, 'objects'), { recursive: true });
    await createBareRepo(dir, '');
    expect((await runGit(dir, ['rev-parse', '--is-bare-repository'])).stdout.trim()).toBe('true');
  });
});

describe('one ref read from the files', () => {
  it('reads a single loose or packed ref by its full name, and nothing for a missing one', async () => {
    const dir = await makeRepo(2, (s, tips) => s.ref('refs/heads/main2', tips[0] ?? 1));
    const main = (await forEachRef(dir)).get('refs/heads/main');
    expect((await readRefFiles(dir, ['refs/heads/main']))?.get('refs/heads/main')).toBe(main);
    await runGit(dir, ['pack-refs', '--all']);
    expect((await readRefFiles(dir, ['refs/heads/main']))?.get('refs/heads/main')).toBe(main);
    expect((await readRefFiles(dir, ['refs/heads/nope']))?.size).toBe(0);
  });
});

describe('what a crash while creating one left behind', () => {
  it("is removed by the next attempt, and another repository's folder of a similar name is not", async () => {
    const parent = await tempDir();
    await mkdir(join(parent, 'repo.git.init', 'objects'), { recursive: true });
    await mkdir(join(parent, 'repo.git.init-7.git', 'objects'), { recursive: true });
    await createBareRepo(join(parent, 'repo.git'), '');
    expect((await readdir(parent)).sort()).toEqual(['repo.git', 'repo.git.init-7.git']);
  });
});

describe('a ref file that cannot be read', () => {
  it('fails the read instead of leaving its refs out', async () => {
    const dir = await makeRepo(1);
    // A packed-refs that cannot be opened (a symbolic link to itself: ELOOP, whoever runs the test).
    await symlink('packed-refs', join(dir, 'packed-refs'));
    await expect(readRefFiles(dir, PREFIXES)).rejects.toThrow(/ELOOP/);
  });
});

describe('refs written as files', () => {
  it('are what git then lists: new, moved and deleted refs, nested and non-ASCII names, no lock left', async () => {
    const dir = await makeRepo(3, (s, tips) => s.ref('refs/gh2cc/pushed/heads/old', tips[0] ?? 1));
    const before = await forEachRef(dir);
    const [a = '', b = ''] = [...before.values()];
    const written = await writeRefFiles(
      dir,
      new Map([
        ['refs/gh2cc/pushed/heads/main', a],
        ['refs/gh2cc/pushed/heads/feature/ü/deep', b],
        ['refs/gh2cc/pushed/tags/v1', b],
        ['refs/gh2cc/pushed/heads/old', undefined],
      ]),
    );
    expect(written).toBe(true);
    const after = await forEachRef(dir);
    expect([...after].filter(([ref]) => ref.startsWith('refs/gh2cc/'))).toEqual([
      ['refs/gh2cc/pushed/heads/feature/ü/deep', b],
      ['refs/gh2cc/pushed/heads/main', a],
      ['refs/gh2cc/pushed/tags/v1', b],
    ]);
    expect(await writeRefFiles(dir, new Map([['refs/gh2cc/pushed/heads/main', b]]))).toBe(true);
    expect((await forEachRef(dir)).get('refs/gh2cc/pushed/heads/main')).toBe(b);
    expect(
      (await readdir(join(dir, 'refs', 'gh2cc', 'pushed', 'heads'))).some((n) => n.endsWith('.lock')),
    ).toBe(false);
    expect((await runGit(dir, ['fsck', '--no-progress'])).code).toBe(0);
  });

  it('are left to git where files cannot do it: a packed ref to delete, a folder clash, a lock in the way', async () => {
    const dir = await makeRepo(2, (s, tips) => s.ref('refs/gh2cc/pushed/heads/packed', tips[0] ?? 1));
    const sha = (await forEachRef(dir)).get('refs/heads/main') ?? '';
    await runGit(dir, ['pack-refs', '--all']);
    expect(await writeRefFiles(dir, new Map([['refs/gh2cc/pushed/heads/packed', undefined]]))).toBe(false);
    expect((await forEachRef(dir)).has('refs/gh2cc/pushed/heads/packed')).toBe(true);
    // `a` is a ref, so `a/b` cannot be one (git refuses it too).
    expect(await writeRefFiles(dir, new Map([['refs/gh2cc/pushed/heads/a', sha]]))).toBe(true);
    expect(await writeRefFiles(dir, new Map([['refs/gh2cc/pushed/heads/a/b', sha]]))).toBe(false);
    await writeFile(join(dir, 'refs', 'gh2cc', 'pushed', 'heads', 'c.lock'), '');
    expect(await writeRefFiles(dir, new Map([['refs/gh2cc/pushed/heads/c', sha]]))).toBe(false);
    expect(await readdir(join(dir, 'refs', 'gh2cc', 'pushed', 'heads'))).toContain('c.lock');
    expect((await forEachRef(dir)).has('refs/gh2cc/pushed/heads/c')).toBe(false);
  });
});
