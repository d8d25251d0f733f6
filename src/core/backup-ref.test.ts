import { describe, expect, it } from 'vitest';
import { backupRefName, expiredBackups, isBackupRef, listBackups, parseBackupRef } from './backup-ref.ts';
import { isValidBranchName } from './codecommit-branch-name.ts';

const at = new Date('2026-11-26T22:10:05Z');
const sha = '0123456789abcdef0123456789abcdef01234567';

describe('backup refs', () => {
  it('names a backup as a valid CodeCommit branch that reads back', () => {
    const ref = backupRefName('refs/heads/feature/x', sha, at);
    expect(ref).toBe('refs/heads/gh2cc-backup/20261126T221005Z-01234567/heads/feature/x');
    expect(isBackupRef(ref)).toBe(true);
    expect(parseBackupRef(ref)).toEqual({ ref, at, original: 'refs/heads/feature/x' });
    expect(parseBackupRef(backupRefName('refs/tags/v1.0', sha, at))?.original).toBe('refs/tags/v1.0');
  });

  it('cuts a name too long for CodeCommit without leaving what git or CodeCommit refuse', () => {
    for (const name of ['a'.repeat(256), `${'b'.repeat(200)}/${'c'.repeat(20)}.lock/${'d'.repeat(40)}`]) {
      const ref = backupRefName(`refs/heads/${name}`, sha, at);
      const branch = ref.slice('refs/heads/'.length);
      expect(branch.length).toBeLessThanOrEqual(256);
      expect(isValidBranchName(branch)).toBe(true);
    }
    // a cut that would end in "/" or "." or ".lock" is trimmed back
    const long = `${'e'.repeat(204)}/x.lock`;
    const branch = backupRefName(`refs/heads/${long}`, sha, at).slice('refs/heads/'.length);
    expect(isValidBranchName(branch)).toBe(true);
  });

  it('expires only backup refs older than the retention, and lists them newest first', () => {
    const old = backupRefName('refs/heads/main', sha, new Date('2026-10-01T00:00:00Z'));
    const recent = backupRefName('refs/heads/main', 'f'.repeat(40), new Date('2026-11-25T00:00:00Z'));
    const refs = new Map([
      ['refs/heads/main', 'a'],
      ['refs/heads/gh2cc-backup-lookalike', 'b'],
      [old, sha],
      [recent, 'f'.repeat(40)],
    ]);
    expect([...expiredBackups(refs, at, 30 * 86_400_000).keys()]).toEqual([old]);
    expect(listBackups(refs, 'refs/heads/main').map((b) => b.ref)).toEqual([recent, old]);
  });
});
