import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RefUpdate {
  readonly ref: string;
  readonly before: string;
  readonly after: string;
}

export interface PushRecord {
  readonly updates: readonly RefUpdate[];
  /** False when a hook refused the push (nothing was updated). */
  readonly accepted: boolean;
  /** When the refs were updated (accepted pushes). */
  readonly updatedAt?: string;
}

// The hooks only copy git's update lines to files the server reads after the push; the limit and CodeCommit's
// branch-name quotas are the rules they enforce, so a refused push is refused by git itself, exactly as a
// remote hook would. The pre-receive hook is one awk process (awk -f), not a shell pipeline: it runs before
// every push is answered, and five processes a push showed in every push's latency.
const PRE_RECEIVE = `#!/usr/bin/awk -f
BEGIN { record = ENVIRON["GH2CC_PUSH_RECORD"]; if (record == "") exit 0 }
{ print > (record ".pre"); lines[++n] = $0 }
END {
  if (record == "") exit 0
  close(record ".pre")
  max = ENVIRON["GH2CC_MAX_REF_UPDATES"]
  if (max != "" && n > max + 0) {
    print "UnrecognizedFormatException: Too many reference update commands: " n " ref updates in one push; the limit is " max ". Push the refs in smaller batches." > "/dev/stderr"
    exit 1
  }
  # CodeCommit's branch-name quotas beyond git's own ref-name rules: at most 256 characters, and not a name
  # that looks like a full commit id (40 hexadecimal characters).
  if (ENVIRON["GH2CC_CODECOMMIT_BRANCH_RULES"] != "") {
    for (i = 1; i <= n; i++) {
      split(lines[i], f, " ")
      if (substr(f[3], 1, 11) != "refs/heads/") continue
      name = substr(f[3], 12)
      if (length(name) > 256 || (length(name) == 40 && name !~ /[^0-9a-fA-F]/)) {
        print "InvalidBranchNameException: the branch name is not valid (at most 256 characters, and not 40 hexadecimal characters): " name > "/dev/stderr"
        exit 1
      }
    }
  }
  deny = ENVIRON["GH2CC_DENY_REFS"]
  if (deny != "") for (i = 1; i <= n; i++) if (lines[i] ~ (" (" deny ")")) {
    print "deny updating a hidden ref" > "/dev/stderr"
    exit 1
  }
}
`;

// The first line is when the refs were updated: the push log's time, taken before git answers the client,
// so a client's next push can never seem to start before this one ended.
const POST_RECEIVE = `#!/bin/sh
record="$GH2CC_PUSH_RECORD"
[ -n "$record" ] || exit 0
{ date -u +%Y-%m-%dT%H:%M:%S.%3NZ; cat; } > "$record.post"
`;

/** Writes the sandbox's hook scripts into `dir` and returns it (used as core.hooksPath for every push). */
export async function installHooks(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, body] of [
    ['pre-receive', PRE_RECEIVE],
    ['post-receive', POST_RECEIVE],
  ] as const) {
    const file = join(dir, name);
    await writeFile(file, body);
    await chmod(file, 0o755);
  }
  return dir;
}

function parseUpdates(text: string): RefUpdate[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [before = '', after = '', ref = ''] = line.trim().split(' ');
      return { before, after, ref };
    });
}

/** A fresh record path for one request; the hooks append `.pre` and `.post`. */
export function newRecordPath(tmpDir: string): string {
  return join(tmpDir, `push-${randomUUID()}`);
}

/** Reads and removes the files the hooks wrote; undefined when the request was not a push. */
export async function takePushRecord(recordPath: string): Promise<PushRecord | undefined> {
  let pre: string;
  try {
    pre = await readFile(`${recordPath}.pre`, 'utf8');
  } catch {
    return undefined;
  }
  let post: string | undefined;
  try {
    post = await readFile(`${recordPath}.post`, 'utf8');
  } catch {
    post = undefined;
  }
  await rm(`${recordPath}.pre`, { force: true });
  await rm(`${recordPath}.post`, { force: true });
  if (post === undefined) return { updates: parseUpdates(pre), accepted: false };
  const newline = post.indexOf('\n');
  const stamp = post.slice(0, newline).trim();
  return { updates: parseUpdates(post.slice(newline + 1)), accepted: true, updatedAt: stamp };
}
