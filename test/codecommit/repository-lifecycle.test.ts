import { randomBytes } from 'node:crypto';
import { CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { followRename, repositoryExists } from '../../src/codecommit/repository-lifecycle.ts';
import type { SourceRepo } from '../../src/core/repo-filter.ts';
import { sourceFromGithub } from '../../src/core/source-from-github.ts';
import { codecommitClient, codecommitTags } from '../helpers/mirror-checks.ts';

const cc = codecommitClient(inject('sandbox'));
afterAll(() => cc.destroy());

function source(name: string): SourceRepo {
  return sourceFromGithub({
    name,
    full_name: `acme/${name}`,
    owner: { login: 'acme' },
    html_url: `https://github.com/acme/${name}`,
  });
}

describe('followRename on the sandbox CodeCommit', () => {
  const id = randomBytes(3).toString('hex');

  it('renames and retags, and finds a rename already done when it is repeated (a retry after a crash)', async () => {
    const [from, to] = [`old-${id}`, `new-${id}`];
    await cc.send(new CreateRepositoryCommand({ repositoryName: from }));
    expect(await followRename(cc, from, to, source(to))).toEqual({ name: to });
    expect(await repositoryExists(cc, from)).toBe(false);
    expect((await codecommitTags(cc, to))?.['gh2cc:source']).toContain(`acme/${to}`);
    // Repeated: no error, no fallback to the old name.
    expect(await followRename(cc, from, to, source(to))).toEqual({ name: to });
  });

  it('keeps the old name when the new one belongs to another repository', async () => {
    const [from, to] = [`kept-${id}`, `taken-${id}`];
    await cc.send(new CreateRepositoryCommand({ repositoryName: from }));
    await cc.send(new CreateRepositoryCommand({ repositoryName: to }));
    const result = await followRename(cc, from, to, source(to));
    expect(result.name).toBe(from);
    expect(result.note).toContain('already exists');
    expect(await repositoryExists(cc, from)).toBe(true);
  });
});
