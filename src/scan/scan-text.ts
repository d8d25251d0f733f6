import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';

/**
 * One secret secretlint found in a text: which rule, where, and a fingerprint that tells the same secret again
 * (in the previous version of a file) without keeping it. Deliberately nothing else: secretlint's messages
 * carry the matched value (`found GitHub Token: ghp_…`), so they never leave this file.
 */
export interface TextMatch {
  /** secretlint's rule id, e.g. `@secretlint/secretlint-rule-aws`. */
  readonly rule: string;
  /** 1-based line of the match's start. */
  readonly line: number;
  /** sha256 of rule, message id and the matched text: equal for the same secret anywhere in any file. */
  readonly fingerprint: string;
}

/** The rule set: secretlint's recommended preset (AWS, GitHub, private keys, GCP, npm, Slack, …). */
const CONFIG = { rules: [{ id: recommended.meta.id, rule: recommended }] };

function fingerprint(rule: string, messageId: string, matched: string): string {
  return createHash('sha256').update(`${rule}\0${messageId}\0${matched}`).digest('hex');
}

/**
 * Runs secretlint's recommended rules on one text file. `path` is the file's path in the repository: some rules
 * look at its name or extension (`.npmrc`, a GCP service account `.json`). Rejects when a rule throws.
 */
export async function scanText(path: string, content: string): Promise<TextMatch[]> {
  // secretlint's profiler records a performance mark per rule and file, and keeps them all: memory that only
  // grows in a daemon (secretlint#1633). Its CLI turns it off; so must every other user. Idempotent.
  secretLintProfiler.setEnabled(false);
  const result = await lintSource({
    source: { filePath: path, ext: posix.extname(path), content, contentType: 'text' },
    // maskSecrets: should a message ever be kept by mistake, it holds asterisks, not the secret.
    options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
  });
  return result.messages.map((m) => ({
    rule: m.ruleId,
    line: m.loc.start.line,
    fingerprint: fingerprint(m.ruleId, m.messageId, content.slice(m.range[0], m.range[1])),
  }));
}
