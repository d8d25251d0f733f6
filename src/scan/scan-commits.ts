/**
 * The secret scan (`notify.secretScan`): which of the commits CodeCommit is about to receive add a credential
 * committed by mistake — AWS secret access keys, private key blocks, GitHub tokens and the rest of secretlint's
 * recommended rules (see scan-text.ts). What comes out names the commit, the file, the line and the rule, never
 * the secret: not in the findings, not in the log.
 *
 * Use (from the sync, with the mirror cache entry, once GitHub was fetched):
 *
 *   const findings = await scanNewCommits(store.dir, githubTips, codecommitTips, {
 *     signal, log, onTruncated: (t) => (truncated = t),
 *   });
 *   for (const { input, dedupKey } of secretDetectedNotifications({ org, repository, target, findings, truncated }))
 *     notifier.notify(buildNotification(input), { dedupKey });
 *
 * `tips` are the object ids about to be pushed (tags are peeled), `exclude` those CodeCommit has now (ids the
 * cache does not have are ignored). A git failure rejects with the runner's classified Gh2ccError and a stop
 * request with code `interrupted`: the scan is optional, so a caller logs a failure and goes on.
 *
 * What is scanned: each new commit's added and changed regular files, whole, rather than the added lines of its
 * diff: a private key block changed in one line is still a block, rules that look at the file (a GCP service
 * account `.json`, `.npmrc`) need all of it, and line numbers come straight from the file. Newness is decided
 * by comparing with the file's previous version instead: a secret the file already had in the commit's parent
 * (for a merge, in any parent; for a rename, in the source file) is not reported again, so editing a file that
 * has held a key for years does not raise a new alert (a secret copied into another file does). Binary files (a NUL in the first 8,000 bytes, as
 * git decides) and files over `maxBlobBytes` are skipped; at most `maxCommits` commits (the newest) and
 * `maxScanBytes` of file content are read, and `onTruncated` and a log warning say when the limit cut the scan.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { runGit } from '../git/git-runner.ts';
import { Gh2ccError } from '../util/errors.ts';
import { parseChangedFiles, type ChangedFile } from './changed-files.ts';
import { scanText, type TextMatch } from './scan-text.ts';

export interface SecretFinding {
  readonly commit: string;
  /** Path of the file in that commit. */
  readonly path: string;
  /** 1-based line where the (first) match starts. */
  readonly line?: number;
  /** secretlint rule id, e.g. `@secretlint/secretlint-rule-github`. */
  readonly rule: string;
}

/** Why not every new commit was scanned. */
export interface ScanTruncation {
  readonly reason: 'max-commits' | 'max-bytes';
  /** Commits scanned, newest first. */
  readonly scannedCommits: number;
  /** Commits CodeCommit did not have. */
  readonly newCommits: number;
}

export interface ScanOptions {
  readonly signal?: AbortSignal | undefined;
  /** Newest commits scanned at most; default 1000. */
  readonly maxCommits?: number;
  /** Larger files are skipped; default 1 MiB. */
  readonly maxBlobBytes?: number;
  /** File content read at most, all files together; default 64 MiB (secretlint reads ~15 MB/s). */
  readonly maxScanBytes?: number;
  /** Progress and limits, never content. */
  readonly log?: Logger | undefined;
  /** Called once when a limit cut the scan short. */
  readonly onTruncated?: ((t: ScanTruncation) => void) | undefined;
}

export const SCAN_DEFAULTS = { maxCommits: 1000, maxBlobBytes: 1024 * 1024, maxScanBytes: 64 * 1024 * 1024 };

/** Commits per diff-tree call, and file content per cat-file call: bounds what one git output holds. */
const COMMITS_PER_DIFF = 200;
const BYTES_PER_READ = 8 * 1024 * 1024;
/** git's own test for binary content: a NUL in the first 8,000 bytes. */
const BINARY_PROBE = 8000;
const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A blob as seen at a path: rules depend on the file name, so a blob is scanned per path it appears under. */
type ScanKey = string;
const scanKey = (blob: string, path: string): ScanKey => `${blob}\0${path}`;

type Skipped = 'binary' | 'too-large' | 'missing' | 'failed';
type BlobScan = { readonly matches: readonly TextMatch[] } | { readonly skipped: Skipped };

interface PlannedRead {
  readonly blob: string;
  readonly path: string;
  readonly size: number;
}

function stopped(): Gh2ccError {
  return new Gh2ccError('interrupted', 'secret scan: stopped on request', { retryable: false });
}

/** The commits `ids` name (tags peeled), in order; ids that are absent or peel to no commit are dropped. */
async function peelToCommits(
  gitDir: string,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  const wanted = [...new Set(ids.filter((id) => OBJECT_ID.test(id)))];
  if (wanted.length === 0) return [];
  const { stdout } = await runGit(gitDir, ['cat-file', '--batch-check=%(objectname)'], {
    input: wanted.map((id) => `${id}^{commit}\n`).join(''),
    signal,
    what: 'secret scan: peel refs',
  });
  return stdout.split('\n').filter((line) => OBJECT_ID.test(line));
}

async function revList(
  gitDir: string,
  args: readonly string[],
  heads: readonly string[],
  bases: readonly string[],
  signal?: AbortSignal,
): Promise<string> {
  const input = [...heads, ...bases.map((b) => `^${b}`)].join('\n');
  const { stdout } = await runGit(gitDir, ['rev-list', ...args, '--stdin'], {
    input: `${input}\n`,
    signal,
    what: 'secret scan: list new commits',
  });
  return stdout;
}

async function changedFiles(
  gitDir: string,
  commits: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, ChangedFile[]>> {
  const all = new Map<string, ChangedFile[]>();
  for (let start = 0; start < commits.length; start += COMMITS_PER_DIFF) {
    const batch = commits.slice(start, start + COMMITS_PER_DIFF);
    const { stdout } = await runGit(gitDir, ['diff-tree', '--stdin', '-r', '-c', '-M', '--root', '-z'], {
      input: `${batch.join('\n')}\n`,
      signal,
      what: 'secret scan: list changed files',
    });
    for (const [commit, files] of parseChangedFiles(stdout)) all.set(commit, files);
  }
  return all;
}

async function blobSizes(
  gitDir: string,
  blobs: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (blobs.length === 0) return sizes;
  const { stdout } = await runGit(
    gitDir,
    ['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'],
    {
      input: `${blobs.join('\n')}\n`,
      signal,
      what: 'secret scan: size files',
    },
  );
  for (const line of stdout.split('\n')) {
    const [id, type, size] = line.split(' ');
    if (id !== undefined && type === 'blob' && size !== undefined) sizes.set(id, Number(size));
  }
  return sizes;
}

/**
 * The contents of `blobs` from one `cat-file --batch`. The runner hands back text, not bytes, so the byte sizes
 * in cat-file's headers cannot cut it apart; instead a random id is asked for between the blobs, and its
 * `<id> missing` line separates them. File contents cannot forge it: the id is new for every call.
 */
async function readBlobs(
  gitDir: string,
  blobs: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const separator = randomBytes(20).toString('hex');
  const input = [separator, ...blobs.flatMap((b) => [b, separator])].join('\n');
  const { stdout } = await runGit(gitDir, ['cat-file', '--batch'], {
    input: `${input}\n`,
    signal,
    what: 'secret scan: read files',
  });
  const contents = new Map<string, string>();
  for (const part of stdout.split(`${separator} missing\n`)) {
    const headerEnd = part.indexOf('\n');
    const [id, type] = part.slice(0, headerEnd).split(' ');
    // `<id> blob <size>\n<content>\n`; the final newline is cat-file's, not the file's.
    if (headerEnd < 0 || id === undefined || type !== 'blob') continue;
    contents.set(id, part.slice(headerEnd + 1, -1));
  }
  return contents;
}

interface NewCommits {
  /** Newest first, at most maxCommits. */
  readonly commits: readonly string[];
  /** How many there are in all; asked of git only when there are more than maxCommits. */
  readonly count: () => Promise<number>;
}

async function listNewCommits(
  gitDir: string,
  tips: readonly string[],
  exclude: readonly string[],
  maxCommits: number,
  signal?: AbortSignal,
): Promise<NewCommits> {
  const heads = await peelToCommits(gitDir, tips, signal);
  if (heads.length === 0) return { commits: [], count: () => Promise.resolve(0) };
  const bases = await peelToCommits(gitDir, exclude, signal);
  const listed = (await revList(gitDir, [`--max-count=${maxCommits + 1}`], heads, bases, signal))
    .split('\n')
    .filter((l) => l !== '');
  if (listed.length <= maxCommits) return { commits: listed, count: () => Promise.resolve(listed.length) };
  let total: Promise<number> | undefined;
  return {
    commits: listed.slice(0, maxCommits),
    count: () =>
      (total ??= revList(gitDir, ['--count'], heads, bases, signal).then((out) => Number(out.trim()))),
  };
}

interface ReadPlan {
  /** Files not read, and why. */
  readonly skipped: Map<ScanKey, Skipped>;
  readonly reads: Map<ScanKey, PlannedRead>;
  /** Commits all of whose files are planned (newest first); fewer than given when the byte budget ran out. */
  readonly commits: number;
  readonly bytes: number;
}

/** Which file versions to read, newest commit first, until `maxScanBytes` would be passed. */
function planReads(
  commits: readonly string[],
  changes: ReadonlyMap<string, readonly ChangedFile[]>,
  sizes: ReadonlyMap<string, number>,
  limits: { readonly maxBlobBytes: number; readonly maxScanBytes: number },
): ReadPlan {
  const skipped = new Map<ScanKey, Skipped>();
  const reads = new Map<ScanKey, PlannedRead>();
  let bytes = 0;
  let planned = 0;
  for (const commit of commits) {
    for (const f of changes.get(commit) ?? []) {
      for (const blob of [f.blob, ...f.previous]) {
        const key = scanKey(blob, f.path);
        if (skipped.has(key) || reads.has(key)) continue;
        const size = sizes.get(blob);
        if (size === undefined) skipped.set(key, 'missing');
        else if (size > limits.maxBlobBytes) skipped.set(key, 'too-large');
        else if (bytes + size > limits.maxScanBytes) return { skipped, reads, commits: planned, bytes };
        else {
          bytes += size;
          reads.set(key, { blob, path: f.path, size });
        }
      }
    }
    planned += 1;
  }
  return { skipped, reads, commits: planned, bytes };
}

/** Reads and scans the planned files, about BYTES_PER_READ of content per git call. */
async function scanFiles(
  gitDir: string,
  reads: ReadonlyMap<ScanKey, PlannedRead>,
  options: Pick<ScanOptions, 'signal' | 'log'>,
): Promise<Map<ScanKey, BlobScan>> {
  const scans = new Map<ScanKey, BlobScan>();
  const pending = [...reads.entries()];
  for (let start = 0; start < pending.length;) {
    let end = start + 1;
    let bytes = pending[start]?.[1].size ?? 0;
    while (end < pending.length && bytes + (pending[end]?.[1].size ?? 0) <= BYTES_PER_READ) {
      bytes += pending[end]?.[1].size ?? 0;
      end += 1;
    }
    const batch = pending.slice(start, end);
    start = end;
    const contents = await readBlobs(gitDir, [...new Set(batch.map(([, r]) => r.blob))], options.signal);
    for (const [key, { blob, path }] of batch) {
      if (options.signal?.aborted === true) throw stopped();
      scans.set(key, await scanFile(path, contents.get(blob), options.log));
    }
  }
  return scans;
}

async function scanFile(
  path: string,
  content: string | undefined,
  log: Logger | undefined,
): Promise<BlobScan> {
  if (content === undefined) return { skipped: 'missing' };
  if (content.slice(0, BINARY_PROBE).includes('\0')) return { skipped: 'binary' };
  try {
    return { matches: await scanText(path, content) };
  } catch (err) {
    // Only the error's name: a rule's error message may quote the file (JSON.parse's does).
    log?.warn(
      { path, error: err instanceof Error ? err.name : typeof err },
      'secret scan: a file could not be scanned',
    );
    return { skipped: 'failed' };
  }
}

function matchesOf(scan: BlobScan | undefined): readonly TextMatch[] {
  return scan !== undefined && 'matches' in scan ? scan.matches : [];
}

/**
 * One finding per commit, file and rule (its first line), for secrets the file did not already have in the
 * commit's parents.
 */
function collectFindings(
  commits: readonly string[],
  changes: ReadonlyMap<string, readonly ChangedFile[]>,
  scans: ReadonlyMap<ScanKey, BlobScan>,
): SecretFinding[] {
  const findings = new Map<string, SecretFinding>();
  for (const commit of commits) {
    for (const f of changes.get(commit) ?? []) {
      const before = new Set(
        f.previous.flatMap((b) => matchesOf(scans.get(scanKey(b, f.path))).map((m) => m.fingerprint)),
      );
      for (const m of matchesOf(scans.get(scanKey(f.blob, f.path)))) {
        if (before.has(m.fingerprint)) continue;
        const key = `${commit}\0${f.path}\0${m.rule}`;
        const seen = findings.get(key);
        if (seen === undefined || (seen.line ?? 0) > m.line) {
          findings.set(key, { commit, path: f.path, line: m.line, rule: m.rule });
        }
      }
    }
  }
  return [...findings.values()];
}

/**
 * The commits reachable from `tips` and not from `exclude` (what CodeCommit did not have), scanned for secrets.
 * One finding per commit, file and rule (its first line); newest commit first. See the file's header.
 */
export async function scanNewCommits(
  gitDir: string,
  tips: readonly string[],
  exclude: readonly string[],
  options: ScanOptions = {},
): Promise<SecretFinding[]> {
  const { signal, log } = options;
  const maxCommits = options.maxCommits ?? SCAN_DEFAULTS.maxCommits;
  const limits = {
    maxBlobBytes: options.maxBlobBytes ?? SCAN_DEFAULTS.maxBlobBytes,
    maxScanBytes: options.maxScanBytes ?? SCAN_DEFAULTS.maxScanBytes,
  };
  const started = Date.now();
  const listed = await listNewCommits(gitDir, tips, exclude, maxCommits, signal);
  if (listed.commits.length === 0) return [];
  const changes = await changedFiles(gitDir, listed.commits, signal);
  const blobs = new Set(
    [...changes.values()].flatMap((files) => files.flatMap((f) => [f.blob, ...f.previous])),
  );
  const plan = planReads(listed.commits, changes, await blobSizes(gitDir, [...blobs], signal), limits);
  const scans = new Map<ScanKey, BlobScan>([
    ...[...plan.skipped].map(([key, skipped]): [ScanKey, BlobScan] => [key, { skipped }]),
    ...(await scanFiles(gitDir, plan.reads, options)),
  ]);
  const scanned = listed.commits.slice(0, plan.commits);
  const findings = collectFindings(scanned, changes, scans);

  let truncation: ScanTruncation | undefined;
  if (scanned.length < listed.commits.length || (await listed.count()) > listed.commits.length) {
    truncation = {
      reason: scanned.length < listed.commits.length ? 'max-bytes' : 'max-commits',
      scannedCommits: scanned.length,
      newCommits: await listed.count(),
    };
    log?.warn(truncation, 'secret scan: limit reached, older new commits were not scanned');
    options.onTruncated?.(truncation);
  }
  const skipped = (why: Skipped): number =>
    [...scans.values()].filter((s) => 'skipped' in s && s.skipped === why).length;
  log?.debug(
    {
      newCommits: truncation?.newCommits ?? listed.commits.length,
      scannedCommits: scanned.length,
      files: plan.reads.size,
      bytes: plan.bytes,
      binary: skipped('binary'),
      tooLarge: skipped('too-large'),
      failed: skipped('failed'),
      findings: findings.length,
      ms: Date.now() - started,
    },
    'secret scan done',
  );
  return findings;
}
