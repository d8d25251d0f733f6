/** A regular file a commit added or changed: its new blob and the blobs it had in the commit's parents. */
export interface ChangedFile {
  readonly path: string;
  readonly blob: string;
  /** The file's blobs in the parents (empty when added); for a rename or copy, the source file's blob. */
  readonly previous: readonly string[];
}

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const NULL_ID = /^0+$/;
/** Regular files (100644, 100755); symlinks (120000) and submodules (160000) have no content to scan. */
const REGULAR_FILE = /^100[0-7]{3}$/;

/**
 * Parses `git diff-tree --stdin -r -c -M --root -z` output (raw format, NUL-separated) into the files each
 * commit added or changed. A single-parent line is `:oldmode newmode old new status\0path\0` (a rename or copy
 * adds the source path first); a merge's combined line (`-c`) starts with one colon per parent and lists every
 * parent's mode and blob before the result's, and appears only for files that differ from every parent, which
 * is exactly what a merge itself introduced (a conflict resolution, an "evil merge"). Deleted files, symlinks
 * and submodules are left out. Commits without such files are absent from the map.
 */
export function parseChangedFiles(output: string): Map<string, ChangedFile[]> {
  const out = new Map<string, ChangedFile[]>();
  const tokens = output.split('\0');
  let commit: string | undefined;
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] ?? '';
    i += 1;
    if (OBJECT_ID.test(token)) {
      commit = token;
      continue;
    }
    if (!token.startsWith(':') || commit === undefined) continue;
    const parents = /^:+/.exec(token)?.[0].length ?? 1;
    const fields = token.slice(parents).split(' ');
    const modes = fields.slice(0, parents + 1);
    const blobs = fields.slice(parents + 1, 2 * parents + 2);
    const status = fields[2 * parents + 2] ?? '';
    // Paths follow the line: two for a rename or copy (source, destination), one otherwise.
    if (parents === 1 && /^[RC]/.test(status)) i += 1;
    const path = tokens[i] ?? '';
    i += 1;
    const blob = blobs[parents];
    const mode = modes[parents];
    if (blob === undefined || mode === undefined || NULL_ID.test(blob) || !REGULAR_FILE.test(mode)) continue;
    const previous = blobs
      .slice(0, parents)
      .filter((b, k) => !NULL_ID.test(b) && REGULAR_FILE.test(modes[k] ?? ''));
    const files = out.get(commit) ?? [];
    files.push({ path, blob, previous });
    out.set(commit, files);
  }
  return out;
}
