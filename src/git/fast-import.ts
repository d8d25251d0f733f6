/**
 * A small builder for `git fast-import` streams: lets the sandbox seed and the tests make repos with
 * thousands of commits, merges and tags in well under a second, with fixed dates so SHAs are stable.
 */
export interface FastImportCommit {
  readonly branch: string;
  readonly message: string;
  readonly files?: Readonly<Record<string, string>>;
  readonly deletes?: readonly string[];
  /** Marks of the first parent (when not the branch's current tip) and merge parents. */
  readonly from?: number;
  readonly merge?: readonly number[];
}

export class FastImportStream {
  private readonly parts: string[] = [];
  private mark = 0;
  private time = 1_600_000_000;

  /** Adds a commit and returns its mark. */
  commit(c: FastImportCommit): number {
    this.mark += 1;
    this.time += 60;
    const who = `Demo Dev <dev@example.com> ${this.time} +0000`;
    const msg = Buffer.from(`${c.message}\n`);
    let s = `commit ${c.branch}\nmark :${this.mark}\nauthor ${who}\ncommitter ${who}\ndata ${msg.length}\n${msg.toString()}`;
    if (c.from !== undefined) s += `from :${c.from}\n`;
    for (const m of c.merge ?? []) s += `merge :${m}\n`;
    for (const path of c.deletes ?? []) s += `D ${path}\n`;
    for (const [path, content] of Object.entries(c.files ?? {})) {
      const data = Buffer.from(content);
      s += `M 100644 inline ${path}\ndata ${data.length}\n${content}\n`;
    }
    this.parts.push(`${s}\n`);
    return this.mark;
  }

  /** An annotated tag object pointing at a commit mark. */
  annotatedTag(name: string, target: number, message: string): void {
    this.time += 1;
    const msg = Buffer.from(`${message}\n`);
    this.parts.push(
      `tag ${name}\nfrom :${target}\ntagger Demo Dev <dev@example.com> ${this.time} +0000\ndata ${msg.length}\n${msg.toString()}\n`,
    );
  }

  /** Any ref (lightweight tag, refs/pull/*, a branch) set to a commit mark. */
  ref(ref: string, target: number): void {
    this.parts.push(`reset ${ref}\nfrom :${target}\n\n`);
  }

  toString(): string {
    return `${this.parts.join('')}done\n`;
  }
}
