import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { settled } from '../util/settled.ts';

/** Past this many bytes of packs, reading them whole costs more than one git process: git is asked instead. */
export const MAX_PACK_BYTES = 2 * 1024 * 1024;

const TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface GitObject {
  readonly type: ObjectType;
  readonly data: Buffer;
}

interface Pack {
  readonly idx: Buffer;
  readonly pack: Buffer;
  readonly count: number;
}

/**
 * The objects of a small bare repository (SHA-1, packs of at most MAX_PACK_BYTES in all), read in this process:
 * its pack indexes (version 2) and packs, deltas resolved, loose objects too. Every object read is checked
 * against its id, so a misread is an error, never a wrong answer.
 *
 * Why: on a small repository starting git costs more than what it is asked (whether `.gitattributes` names
 * LFS, how many commits are new), and the mirror asks on every sync. Only these layouts are read: `open`
 * answers undefined for anything else (SHA-256, an index of another version, big packs), and callers ask
 * git, as they would have without it.
 */
export class PackObjects {
  private readonly gitDir: string;
  private readonly packs: readonly Pack[];

  private constructor(gitDir: string, packs: readonly Pack[]) {
    this.gitDir = gitDir;
    this.packs = packs;
  }

  /** Small local files, read with the synchronous calls (see readRefFiles for why); never throws. */
  static open(gitDir: string): Promise<PackObjects | undefined> {
    return settled(() => PackObjects.load(gitDir)).catch(() => undefined);
  }

  private static load(gitDir: string): PackObjects | undefined {
    const config = readFileSync(join(gitDir, 'config'), 'utf8');
    if (/^\s*objectformat\s*=/im.test(config)) return undefined;
    const dir = join(gitDir, 'objects', 'pack');
    // No pack folder yet (git makes it with the first pack): loose objects only.
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.idx')) : [];
    const packFile = (idx: string): string => join(dir, idx.replace(/\.idx$/, '.pack'));
    if (names.reduce((sum, n) => sum + statSync(packFile(n)).size, 0) > MAX_PACK_BYTES) return undefined;
    const packs: Pack[] = [];
    for (const name of names) {
      const idx = readFileSync(join(dir, name));
      const pack = readFileSync(packFile(name));
      // Version 2: magic \377tOc, version 2, 256 fan-out entries, then the sorted ids.
      if (idx.length < 8 + 1024 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2)
        return undefined;
      if (pack.toString('latin1', 0, 4) !== 'PACK') return undefined;
      packs.push({ idx, pack, count: idx.readUInt32BE(8 + 255 * 4) });
    }
    return new PackObjects(gitDir, packs);
  }

  /** The object with this id, or undefined when the repository does not have it. */
  read(sha: string): GitObject | undefined {
    const id = Buffer.from(sha, 'hex');
    if (id.length !== 20) return undefined;
    for (const p of this.packs) {
      const at = offsetOf(p, id);
      if (at !== undefined) return checked(sha, this.entry(p, at, 0));
    }
    let loose: Buffer;
    try {
      loose = readFileSync(join(this.gitDir, 'objects', sha.slice(0, 2), sha.slice(2)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const raw = inflateSync(loose);
    const nul = raw.indexOf(0);
    const [type = '', size = ''] = raw.toString('latin1', 0, nul).split(' ');
    const data = raw.subarray(nul + 1);
    if (!isType(type) || Number(size) !== data.length) throw new Error(`malformed loose object ${sha}`);
    return checked(sha, { type, data });
  }

  /** The entry at `at` in a pack: its header (type, size), then zlib data; deltas applied to their bases. */
  private entry(p: Pack, at: number, depth: number): GitObject {
    if (depth > 64) throw new Error('delta chain too deep');
    const buf = p.pack;
    let pos = at;
    let c = byteAt(buf, pos++);
    const kind = (c >> 4) & 7;
    let size = c & 15;
    let shift = 4;
    while (c & 0x80) {
      c = byteAt(buf, pos++);
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (kind >= 1 && kind <= 4) {
      const type = TYPES[kind] as ObjectType;
      return { type, data: inflated(buf, pos, size) };
    }
    let base: GitObject;
    if (kind === 6) {
      // OFS_DELTA: the base is this many bytes before the entry, in git's offset encoding.
      c = byteAt(buf, pos++);
      let back = c & 0x7f;
      while (c & 0x80) {
        c = byteAt(buf, pos++);
        back = (back + 1) * 128 + (c & 0x7f);
      }
      base = this.entry(p, at - back, depth + 1);
    } else if (kind === 7) {
      // REF_DELTA: the base by id (in this pack, another, or loose).
      const baseId = buf.subarray(pos, pos + 20).toString('hex');
      pos += 20;
      const found = this.read(baseId);
      if (found === undefined) throw new Error(`delta base ${baseId} missing`);
      base = found;
    } else {
      throw new Error(`unknown pack entry type ${kind}`);
    }
    return { type: base.type, data: applyDelta(base.data, inflated(buf, pos, size)) };
  }
}

function isType(t: string): t is ObjectType {
  return t === 'commit' || t === 'tree' || t === 'blob' || t === 'tag';
}

function byteAt(buf: Buffer, pos: number): number {
  const b = buf[pos];
  if (b === undefined) throw new Error('pack entry runs past the end of the pack');
  return b;
}

/** The pack offset of an id, by the index's fan-out table and a binary search of its sorted ids. */
function offsetOf(p: Pack, id: Buffer): number | undefined {
  const first = id[0] ?? 0;
  let lo = first === 0 ? 0 : p.idx.readUInt32BE(8 + (first - 1) * 4);
  let hi = p.idx.readUInt32BE(8 + first * 4);
  const ids = 8 + 1024;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = id.compare(p.idx, ids + mid * 20, ids + mid * 20 + 20);
    if (cmp === 0) {
      const offsets = ids + p.count * 24;
      const small = p.idx.readUInt32BE(offsets + mid * 4);
      if ((small & 0x80000000) === 0) return small;
      // A pack past 2 GiB keeps large offsets in a table of its own; no pack read here is that big.
      return undefined;
    }
    if (cmp < 0) hi = mid;
    else lo = mid + 1;
  }
  return undefined;
}

function inflated(buf: Buffer, pos: number, size: number): Buffer {
  const data = inflateSync(buf.subarray(pos), { maxOutputLength: Math.max(size, 1) });
  if (data.length !== size) throw new Error('pack entry inflated to the wrong size');
  return data;
}

/** git's delta format: base size, result size, then copy (from the base) and insert (literal) instructions. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    let c: number;
    do {
      c = byteAt(delta, pos++);
      value += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return value;
  };
  if (varint() !== base.length) throw new Error('delta base size mismatch');
  const out = Buffer.alloc(varint());
  let at = 0;
  while (pos < delta.length) {
    const op = byteAt(delta, pos++);
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let i = 0; i < 4; i += 1) if (op & (1 << i)) offset += byteAt(delta, pos++) * 2 ** (8 * i);
      for (let i = 0; i < 3; i += 1) if (op & (0x10 << i)) size += byteAt(delta, pos++) * 2 ** (8 * i);
      if (size === 0) size = 0x10000;
      if (offset + size > base.length || at + size > out.length) throw new Error('delta copy out of range');
      base.copy(out, at, offset, offset + size);
      at += size;
    } else if (op > 0) {
      if (pos + op > delta.length || at + op > out.length) throw new Error('delta insert out of range');
      delta.copy(out, at, pos, pos + op);
      pos += op;
      at += op;
    } else {
      throw new Error('delta opcode 0 is reserved');
    }
  }
  if (at !== out.length) throw new Error('delta result size mismatch');
  return out;
}

function checked(sha: string, object: GitObject): GitObject {
  const hash = createHash('sha1')
    .update(`${object.type} ${object.data.length}\0`)
    .update(object.data)
    .digest('hex');
  if (hash !== sha) throw new Error(`object ${sha} read back as ${hash}`);
  return object;
}

/** A commit's tree and parents, from its header lines. */
export function commitLinks(data: Buffer): { tree: string; parents: string[] } {
  const end = data.indexOf('\n\n');
  const header = data.toString('utf8', 0, end < 0 ? data.length : end);
  let tree = '';
  const parents: string[] = [];
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else break;
  }
  return { tree, parents };
}

/** The object an annotated tag points at, and its type. */
export function tagTarget(data: Buffer): { object: string; type: string } {
  const text = data.toString('utf8', 0, Math.min(data.length, 200));
  return {
    object: /^object ([0-9a-f]{40})$/m.exec(text)?.[1] ?? '',
    type: /^type (\w+)$/m.exec(text)?.[1] ?? '',
  };
}

/** The id of a tree's entry of this name, with its mode, or undefined. */
export function treeEntry(data: Buffer, name: string): { mode: string; sha: string } | undefined {
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const nul = data.indexOf(0, space);
    if (space < 0 || nul < 0) throw new Error('malformed tree');
    const entryName = data.toString('utf8', space + 1, nul);
    if (entryName === name) {
      return {
        mode: data.toString('latin1', pos, space),
        sha: data.subarray(nul + 1, nul + 21).toString('hex'),
      };
    }
    pos = nul + 21;
  }
  return undefined;
}

/** An object peeled through annotated tags; undefined when missing. */
function peeled(objects: PackObjects, sha: string): { sha: string; object: GitObject } | undefined {
  let id = sha;
  for (let depth = 0; depth < 16; depth += 1) {
    const object = objects.read(id);
    if (object === undefined) return undefined;
    if (object.type !== 'tag') return { sha: id, object };
    id = tagTarget(object.data).object;
  }
  return undefined;
}

/**
 * How many commits are reachable from `tips` and not from `exclude` (what `git rev-list --count tips ^exclude`
 * answers), walking at most `limit` commits; undefined past that, or when a commit is missing: git is asked.
 */
export function countCommits(
  objects: PackObjects,
  tips: readonly string[],
  exclude: readonly string[],
  limit: number,
): number | undefined {
  let budget = limit;
  const walk = (starts: readonly string[], seen: Set<string>, stop: ReadonlySet<string>): boolean => {
    const stack: string[] = [];
    for (const sha of starts) {
      const p = peeled(objects, sha);
      if (p === undefined) return false;
      // A tag of a tree or a blob names no commit: rev-list counts nothing for it.
      if (p.object.type === 'commit') stack.push(p.sha);
    }
    for (let sha = stack.pop(); sha !== undefined; sha = stack.pop()) {
      if (seen.has(sha) || stop.has(sha)) continue;
      if ((budget -= 1) < 0) return false;
      const commit = objects.read(sha);
      if (commit?.type !== 'commit') return false;
      seen.add(sha);
      stack.push(...commitLinks(commit.data).parents);
    }
    return true;
  };
  const excluded = new Set<string>();
  if (!walk(exclude, excluded, new Set())) return undefined;
  const counted = new Set<string>();
  if (!walk(tips, counted, excluded)) return undefined;
  return counted.size;
}

/**
 * The text of `.gitattributes` at the top of a commit's tree (what `git cat-file -p <commit>:.gitattributes`
 * prints): '' when there is none, undefined when git should answer (a missing object, a folder of that name).
 */
export function rootAttributes(objects: PackObjects, commitish: string): string | undefined {
  const p = peeled(objects, commitish);
  if (p === undefined) return undefined;
  let tree = p.sha;
  if (p.object.type === 'commit') tree = commitLinks(p.object.data).tree;
  else if (p.object.type !== 'tree') return undefined;
  const root = objects.read(tree);
  if (root?.type !== 'tree') return undefined;
  const entry = treeEntry(root.data, '.gitattributes');
  if (entry === undefined) return '';
  if (!entry.mode.startsWith('100') && entry.mode !== '120000') return undefined;
  const blob = objects.read(entry.sha);
  return blob?.type === 'blob' ? blob.data.toString('utf8') : undefined;
}
