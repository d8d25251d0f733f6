import { describe, expect, it } from 'vitest';
import { buildNotification, MAX_BODY_BYTES } from '../../src/core/notification.ts';
import { parseChangedFiles } from '../../src/scan/changed-files.ts';
import type { SecretFinding } from '../../src/scan/scan-commits.ts';
import { secretDetectedNotifications } from '../../src/scan/secret-notifications.ts';

const sha = (c: string): string => c.repeat(40);
const finding = (c: string, path: string, rule = '@secretlint/secretlint-rule-github'): SecretFinding => ({
  commit: sha(c),
  path,
  line: 2,
  rule,
});

describe('secret-detected notifications', () => {
  it('sends nothing when nothing was found', () => {
    expect(secretDetectedNotifications({ org: 'acme', repository: 'acme/app', findings: [] })).toEqual([]);
  });

  it('copies only commit, path, line and rule, whatever else a finding carries', () => {
    const leaky = { ...finding('a', 'x.env'), excerpt: 'do-not-publish-me' } as SecretFinding;
    const [event] = secretDetectedNotifications({ org: 'acme', repository: 'acme/app', findings: [leaky] });
    expect(JSON.stringify(event)).not.toContain('do-not-publish-me');
    expect(event?.input.details).toEqual({
      findingCount: 1,
      findings: [{ commit: sha('a'), path: 'x.env', line: 2, rule: '@secretlint/secretlint-rule-github' }],
    });
  });

  it('summarises kinds, files and commits, and says when the scan was cut short', () => {
    const [event] = secretDetectedNotifications({
      org: 'acme',
      repository: 'acme/app',
      findings: [
        finding('a', 'x.env', '@secretlint/secretlint-rule-aws'),
        finding('a', 'x.env'),
        finding('b', 'k.pem'),
      ],
      truncated: { reason: 'max-commits', scannedCommits: 1000, newCommits: 4000 },
    });
    expect(event?.input.summary).toBe(
      'acme/app: possible secrets (aws, github) in 2 file(s) of 2 newly mirrored commit(s); rotate them (the values are not in this message)',
    );
    expect(event?.input.details?.['scanTruncated']).toEqual({
      reason: 'max-commits',
      scannedCommits: 1000,
      newCommits: 4000,
    });
  });

  it('has the same dedupKey for the same findings in any order', () => {
    const findings = [finding('a', 'x.env'), finding('b', 'y.env')];
    const key = (f: SecretFinding[]): string | undefined =>
      secretDetectedNotifications({ org: 'acme', repository: 'acme/app', findings: f })[0]?.dedupKey;
    expect(key([...findings].reverse())).toBe(key(findings));
    expect(key([findings[0] as SecretFinding])).not.toBe(key(findings));
  });

  it('fits SNS: a long list is cut by buildNotification and the rest counted', () => {
    const findings = Array.from({ length: 5000 }, (_, i) => finding('c', `dir/file-${i}.env`));
    const [event] = secretDetectedNotifications({ org: 'acme', repository: 'acme/app', findings });
    const n = buildNotification(event?.input ?? { eventType: 'secret-detected', org: 'acme', summary: '' });
    expect(Buffer.byteLength(JSON.stringify(n))).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const details = n.details as { findings: unknown[]; omitted: number; findingCount: number };
    expect(details.findings.length + details.omitted).toBe(5000);
    expect(details.findingCount).toBe(5000);
  });
});

describe('the changed files of diff-tree -z output', () => {
  it('keeps added and changed regular files with their previous blobs, whatever their names look like', () => {
    const z = (...tokens: string[]): string => `${tokens.join('\0')}\0`;
    const out = parseChangedFiles(
      z(
        sha('1'),
        `:000000 100644 ${sha('0')} ${sha('a')} A`,
        sha('9'), // a file named like an object id
        `:100644 100755 ${sha('b')} ${sha('c')} M`,
        ':odd name',
        `:100644 100644 ${sha('d')} ${sha('e')} R087`,
        'old/name',
        'new/name',
        `:100644 000000 ${sha('f')} ${sha('0')} D`,
        'gone',
        `:000000 120000 ${sha('0')} ${sha('a')} A`,
        'a-symlink',
        `:000000 160000 ${sha('0')} ${sha('a')} A`,
        'a-submodule',
        sha('2'),
        `::100644 100644 100644 ${sha('3')} ${sha('4')} ${sha('5')} MM`,
        'merged',
      ),
    );
    expect(Object.fromEntries(out)).toEqual({
      [sha('1')]: [
        { path: sha('9'), blob: sha('a'), previous: [] },
        { path: ':odd name', blob: sha('c'), previous: [sha('b')] },
        { path: 'new/name', blob: sha('e'), previous: [sha('d')] },
      ],
      [sha('2')]: [{ path: 'merged', blob: sha('5'), previous: [sha('3'), sha('4')] }],
    });
  });
});
