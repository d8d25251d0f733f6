// A Dockerfile run without Docker, as far as it can be on a CI machine: the build context filtered by
// .dockerignore as Docker filters it, each stage in a folder of its own standing in for its root filesystem,
// COPY, WORKDIR and ENV carried out, and the RUN steps that only run npm executed for real. The other RUN steps
// (apt-get, changing /data's owner) need the image's root filesystem: they are returned as not run.
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import picomatch from 'picomatch';
import {
  DockerfileParser,
  Env,
  JSONInstruction,
  ModifiableInstruction,
  type Instruction,
} from 'dockerfile-ast';

interface IgnorePattern {
  readonly negated: boolean;
  readonly text: string;
  readonly matches: (path: string) => boolean;
}

/**
 * Docker's .dockerignore rules: one pattern a line, `#` comments, `!` re-includes, the last matching pattern
 * wins, and a pattern that matches a folder matches everything under it.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const patterns: IgnorePattern[] = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const body = posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      return { negated, text: body, matches: picomatch(body, { dot: true }) };
    });
  return (path: string): boolean => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const p of patterns) {
      if (prefixes.some((prefix) => p.matches(prefix))) excluded = !p.negated;
    }
    return excluded;
  };
}

/** Every file of the build context (paths relative to it), skipping folders no `!` pattern reaches into. */
export async function contextFiles(root: string, ignoreText: string): Promise<string[]> {
  const excluded = dockerignore(ignoreText);
  const reincludes = ignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/^\/+/, ''));
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        const reachable = reincludes.some((r) => r.startsWith(`${path}/`) || r.startsWith('*'));
        if (excluded(path) && !reachable) continue;
        await walk(path);
      } else if (!excluded(path)) {
        files.push(path);
      }
    }
  };
  await walk('');
  return files.sort();
}

export interface Stage {
  readonly name: string | undefined;
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

export interface ParsedDockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly args: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => vars[a ?? b ?? ''] ?? whole);
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const file = DockerfileParser.parse(text);
  const args: Record<string, string> = {};
  for (const arg of file.getInitialARGs()) {
    const property = arg.getProperty();
    if (property !== null) args[property.getName()] = property.getValue() ?? '';
  }
  const stages: { name: string | undefined; image: string; instructions: Instruction[] }[] = [];
  for (const instruction of file.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = file.getFROMs().find((f) => f.getRange().start.line === instruction.getRange().start.line);
      stages.push({
        name: from?.getBuildStage() ?? undefined,
        image: substitute(from?.getImage() ?? '', args),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** The strings of an exec-form (JSON array) instruction such as ENTRYPOINT or CMD, or HEALTHCHECK's CMD. */
export function jsonArgs(instruction: Instruction): string[] {
  if (instruction instanceof JSONInstruction)
    return instruction.getJSONStrings().map((s) => s.getJSONValue());
  const content = instruction.getArgumentsContent() ?? '';
  const json = /^CMD\s+(\[.*\])$/s.exec(content)?.[1];
  if (json === undefined) throw new Error(`not in exec form: ${instruction.getKeyword()} ${content}`);
  return JSON.parse(json) as string[];
}

export interface BuiltStage {
  /** The folder standing in for the stage's root filesystem. */
  readonly root: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly healthcheck: readonly string[];
  readonly volumes: readonly string[];
}

export interface EmulatedBuild {
  readonly stages: readonly BuiltStage[];
  /** RUN steps that were not executed, as written. */
  readonly notRun: readonly string[];
  /** What the build context held (after .dockerignore). */
  readonly context: readonly string[];
}

function exec(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`RUN ${command} exited ${code}:\n${output}`)),
    );
  });
}

/** Only npm, possibly several npm commands joined by &&, is run on the host. */
function runsHere(command: string): boolean {
  return command.split('&&').every((part) => /^\s*npm\s/.test(part));
}

/** Builds every stage into `out`: `out/0`, `out/1`… stand for the stages' root filesystems. */
export async function emulateBuild(
  dockerfile: string,
  contextRoot: string,
  ignoreText: string,
  out: string,
): Promise<EmulatedBuild> {
  const { stages } = parseDockerfile(dockerfile);
  const context = await contextFiles(contextRoot, ignoreText);
  const built: BuiltStage[] = [];
  const notRun: string[] = [];
  const byName = new Map<string, BuiltStage>();
  for (const [index, stage] of stages.entries()) {
    const root = join(out, String(index));
    const inRoot = (path: string): string => join(root, path);
    let workdir = '/';
    const env: Record<string, string> = {};
    let user = 'root';
    let entrypoint: string[] = [];
    let cmd: string[] = [];
    let healthcheck: string[] = [];
    const volumes: string[] = [];
    await mkdir(root, { recursive: true });
    for (const instruction of stage.instructions) {
      const keyword = instruction.getKeyword();
      const content = substitute(instruction.getArgumentsContent() ?? '', env);
      const flags = instruction instanceof ModifiableInstruction ? instruction.getFlags() : [];
      switch (keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, content);
          await mkdir(inRoot(workdir), { recursive: true });
          break;
        case 'ENV':
          if (!(instruction instanceof Env)) throw new Error('ENV without properties');
          for (const p of instruction.getProperties()) env[p.getName()] = p.getValue() ?? '';
          break;
        case 'USER':
          user = content;
          break;
        case 'VOLUME':
          volumes.push(...jsonArgs(instruction));
          break;
        case 'ENTRYPOINT':
          entrypoint = jsonArgs(instruction);
          break;
        case 'CMD':
          cmd = jsonArgs(instruction);
          break;
        case 'HEALTHCHECK':
          healthcheck = jsonArgs(instruction);
          break;
        case 'EXPOSE':
          break;
        case 'RUN': {
          const unknown = flags.filter(
            (f) => !(f.getName() === 'mount' && f.getValue()?.startsWith('type=cache')),
          );
          if (unknown.length > 0) throw new Error(`RUN flag not emulated: --${unknown[0]?.getName()}`);
          // A cache mount of npm's cache: the host's own npm cache plays its part.
          if (runsHere(content)) await exec(content, inRoot(workdir), env);
          else notRun.push(content);
          break;
        }
        case 'COPY': {
          const from = flags.find((f) => f.getName() === 'from')?.getValue() ?? undefined;
          const other = flags.filter((f) => f.getName() !== 'from');
          if (other.length > 0) throw new Error(`COPY flag not emulated: --${other[0]?.getName()}`);
          const words = content.split(/\s+/);
          const dest = posix.resolve(workdir, words.at(-1) ?? '.');
          const destIsFolder = (words.at(-1) ?? '').endsWith('/') || words.length > 2;
          for (const source of words.slice(0, -1)) {
            if (from !== undefined) {
              const stageFrom = byName.get(from);
              if (stageFrom === undefined) throw new Error(`COPY --from=${from}: no such stage`);
              await cp(join(stageFrom.root, source), inRoot(dest), { recursive: true });
              continue;
            }
            const prefix = posix.normalize(source).replace(/^\.\/?$/, '');
            const matched = context.filter(
              (f) => prefix === '' || f === prefix || f.startsWith(`${prefix}/`),
            );
            if (matched.length === 0) throw new Error(`COPY ${source}: not in the build context`);
            for (const file of matched) {
              const target =
                file === prefix
                  ? destIsFolder
                    ? join(inRoot(dest), basename(file))
                    : inRoot(dest)
                  : join(inRoot(dest), prefix === '' ? file : file.slice(prefix.length + 1));
              await mkdir(dirname(target), { recursive: true });
              await cp(join(contextRoot, file), target, { preserveTimestamps: true });
            }
          }
          break;
        }
        default:
          throw new Error(`Dockerfile instruction not emulated: ${keyword}`);
      }
    }
    const result: BuiltStage = { root, workdir, env, user, entrypoint, cmd, healthcheck, volumes };
    built.push(result);
    if (stage.name !== undefined) byName.set(stage.name, result);
  }
  return { stages: built, notRun, context };
}

/**
 * The command `docker run IMAGE ...args` would run in the stage, as host argv: tini left out (the host has
 * none; it only forwards signals), absolute paths into the image pointed into the stage's folder.
 */
export function containerCommand(stage: BuiltStage, args: readonly string[]): string[] {
  const entry = [...stage.entrypoint];
  if (entry[0]?.endsWith('/tini')) entry.splice(0, entry[1] === '--' ? 2 : 1);
  const argv = [...entry, ...(args.length > 0 ? args : stage.cmd)];
  return argv.map((a) => (a.startsWith(`${stage.workdir}/`) ? join(stage.root, a) : a));
}
