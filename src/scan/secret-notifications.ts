import { createHash } from 'node:crypto';
import type { NotificationInput } from '../core/notification.ts';
import type { ScanTruncation, SecretFinding } from './scan-commits.ts';

export interface SecretScanReport {
  /** GitHub org and `owner/name` of the repository synced. */
  readonly org: string;
  readonly repository: string;
  /** The CodeCommit repository the commits went to. */
  readonly target?: string;
  readonly findings: readonly SecretFinding[];
  /** From scanNewCommits' onTruncated, when a limit cut the scan short. */
  readonly truncated?: ScanTruncation;
}

/** `@secretlint/secretlint-rule-aws` → `aws`, for the one-line summary. */
function shortRule(rule: string): string {
  return rule.replace(/^@secretlint\/secretlint-rule-/, '');
}

/**
 * The `secret-detected` notification for one sync's scan: none when nothing was found, else one listing every
 * finding (`details.findings: [{ commit, path, line, rule }]`, cut to SNS's size by buildNotification). Only
 * those four fields are copied from each finding, so whatever else a caller's objects carry is never published.
 * The dedupKey is the set of findings: the same findings reported by a retried sync are published once.
 */
export function secretDetectedNotifications(
  report: SecretScanReport,
): Array<{ input: NotificationInput; dedupKey: string }> {
  const { repository, findings } = report;
  if (findings.length === 0) return [];
  const listed = findings.map((f) => ({
    commit: f.commit,
    path: f.path,
    ...(f.line === undefined ? {} : { line: f.line }),
    rule: f.rule,
  }));
  const commits = new Set(listed.map((f) => f.commit)).size;
  const files = new Set(listed.map((f) => `${f.commit}\0${f.path}`)).size;
  const rules = [...new Set(listed.map((f) => shortRule(f.rule)))].sort().join(', ');
  const key = listed.map((f) => `${f.commit}\0${f.path}\0${f.rule}`).sort();
  return [
    {
      dedupKey: `secret-detected:${createHash('sha256').update(key.join('\n')).digest('hex')}`,
      input: {
        eventType: 'secret-detected',
        org: report.org,
        repository,
        summary: `${repository}: possible secrets (${rules}) in ${files} file(s) of ${commits} newly mirrored commit(s); rotate them (the values are not in this message)`,
        details: {
          ...(report.target === undefined ? {} : { target: report.target }),
          findingCount: listed.length,
          findings: listed,
          ...(report.truncated === undefined ? {} : { scanTruncated: { ...report.truncated } }),
        },
      },
    },
  ];
}
