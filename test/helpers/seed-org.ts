import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import pLimit from 'p-limit';
import { join } from 'node:path';
import { FastImportStream } from '../../src/git/fast-import.ts';
import { runGit } from '../../src/git/git-runner.ts';

export interface SeedRepoSpec {
  readonly name: string;
  readonly commits: number;
  readonly branches?: number;
  readonly tags?: number;
  readonly pulls?: number;
  /** Bytes of fresh, poorly compressible content each commit adds (realistic pack sizes); default tiny. */
  readonly blobBytes?: number;
}

function filler(seed: string, bytes: number): string {
  let out = '';
  let x = createHash('sha256').update(seed).digest('hex');
  while (out.length < bytes) {
    out += `${x}\n`;
    x = createHash('sha256').update(x).digest('hex');
  }
  return out.slice(0, bytes);
}

/** Bare repos in the sandbox's GitHub folder, built with fast-import (no YAML: defaults apply). */
export async function seedOrg(githubDir: string, org: string, specs: readonly SeedRepoSpec[]): Promise<void> {
  await mkdir(join(githubDir, org), { recursive: true });
  // Bounded: an org of thousands of repositories must not open thousands of git processes at once.
  const limit = pLimit(16);
  await Promise.all(
    specs.map((spec) =>
      limit(async () => {
        const dir = join(githubDir, org, `${spec.name}.git`);
        await mkdir(dir, { recursive: true });
        await runGit(dir, ['init', '--bare', '--quiet', '--initial-branch=main']);
        if (spec.commits === 0) return;
        const s = new FastImportStream();
        const marks: number[] = [];
        for (let i = 1; i <= spec.commits; i += 1) {
          const files: Record<string, string> = { 'n.txt': `${spec.name} ${i}\n` };
          if (spec.blobBytes !== undefined)
            files[`data/${i % 50}.txt`] = filler(`${spec.name}-${i}`, spec.blobBytes);
          marks.push(s.commit({ branch: 'refs/heads/main', message: `${spec.name} ${i}`, files }));
        }
        for (let b = 0; b < (spec.branches ?? 0); b += 1) {
          s.commit({
            branch: `refs/heads/topic-${b}`,
            message: `topic ${b}`,
            from: marks[b % marks.length] ?? 1,
            files: { [`t${b}.txt`]: `${b}\n` },
          });
        }
        for (let t = 0; t < (spec.tags ?? 0); t += 1) {
          const target = marks[t % marks.length] ?? 1;
          if (t % 2 === 0) s.annotatedTag(`v${t}`, target, `release ${t}`);
          else s.ref(`refs/tags/light-${t}`, target);
        }
        for (let p = 1; p <= (spec.pulls ?? 0); p += 1) {
          s.commit({
            branch: `refs/pull/${p}/head`,
            message: `pr ${p}`,
            from: marks[0] ?? 1,
            files: { [`pr${p}.txt`]: `${p}\n` },
          });
        }
        await runGit(dir, ['fast-import', '--quiet'], { input: s.toString() });
      }),
    ),
  );
}
