import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runGit } from '../../git/git-runner.ts';
import { GithubApiError } from './api-error.ts';
import { listBranches } from './bare-repo-reader.ts';
import {
  findRepo,
  ownerAccount,
  repoFacts,
  requireOrg,
  requireRepo,
  type StateSource,
} from './github-state.ts';
import { repoNameSchema } from './owner-metadata.ts';
import { loadOwner, writeOwnerFile, type OwnerState, type RepoOnDisk } from './owner-store.ts';
import { fullRepoJson, permissionsFor, repoId } from './repo-json.ts';
import { param, type RouteContext, type Route, type RouteResult } from './route-types.ts';

const ADMIN = permissionsFor('admin');
const SENDER = { login: 'sandbox-admin', id: 2, type: 'User', site_admin: true };

type RepoInput = Record<string, unknown>;

function validationFailed(field: string, message: string, code = 'custom'): GithubApiError {
  return new GithubApiError(422, 'Validation Failed', {
    errors: [{ resource: 'Repository', code, field, message }],
  });
}

function objectBody(ctx: RouteContext): RepoInput {
  const body = ctx.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new GithubApiError(400, 'Problems parsing JSON');
  return body as RepoInput;
}

function optionalString(body: RepoInput, key: string): string | null | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string') return v;
  throw validationFailed(key, `${key} is not a string`, 'invalid');
}

function optionalBoolean(body: RepoInput, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  throw validationFailed(key, `${key} is not a boolean`, 'invalid');
}

function validName(name: unknown): string {
  if (typeof name !== 'string' || name === '')
    throw validationFailed('name', 'name is missing', 'missing_field');
  if (!repoNameSchema.safeParse(name).success)
    throw validationFailed(
      'name',
      'name may only contain letters, digits, ".", "-" and "_", at most 100 characters',
    );
  return name;
}

type OwnerFile = Record<string, unknown> & { repos: Record<string, RepoInput> };

/** The owner's YAML as written (defaults left out), so an edit keeps the file as its author wrote it. */
async function rawOwnerFile(owner: OwnerState): Promise<OwnerFile> {
  const text = owner.metadataFile === null ? '' : await readFile(owner.metadataFile, 'utf8');
  const data = (parse(text) ?? {}) as Record<string, unknown>;
  return { ...data, repos: { ...((data['repos'] ?? {}) as Record<string, RepoInput>) } };
}

/** Validated before it is written: a change the schema refuses never reaches the disk. */
function saveOwnerFile(state: StateSource, owner: OwnerState, file: OwnerFile): Promise<string> {
  return writeOwnerFile(state.dir, owner.login, file);
}

async function reload(
  state: StateSource,
  login: string,
  name: string,
): Promise<{ owner: OwnerState; repo: RepoOnDisk }> {
  const owner = await loadOwner(state.dir, login, state.cache);
  const repo = owner === null ? undefined : findRepo(owner, name);
  if (owner === null || repo === undefined) throw new Error(`sandbox repository ${login}/${name} vanished`);
  return { owner, repo };
}

async function repoJson(
  ctx: RouteContext,
  owner: OwnerState,
  repo: RepoOnDisk,
): Promise<Record<string, unknown>> {
  const view = { owner: ownerAccount(owner), repo, facts: await repoFacts(owner, repo) };
  return fullRepoJson(ctx.urls, view, ADMIN);
}

function orgJson(owner: OwnerState): Record<string, unknown> | undefined {
  if (owner.metadata.type !== 'Organization') return undefined;
  const account = ownerAccount(owner);
  return { login: account.login, id: account.id };
}

function deliver(
  ctx: RouteContext,
  owner: OwnerState,
  action: string,
  repository: Record<string, unknown>,
  changes?: Record<string, unknown>,
): void {
  const organization = orgJson(owner);
  ctx.notify('repository', {
    action,
    ...(changes === undefined ? {} : { changes }),
    repository,
    ...(organization === undefined ? {} : { organization }),
    sender: SENDER,
  });
}

async function createRepo(ctx: RouteContext): Promise<RouteResult> {
  const owner = await requireOrg(ctx.state, param(ctx, 'org'));
  const body = objectBody(ctx);
  const name = validName(body['name']);
  if (findRepo(owner, name) !== undefined)
    throw validationFailed('name', 'name already exists on this account');
  const description = optionalString(body, 'description');
  const isPrivate = optionalBoolean(body, 'private');
  const visibility = optionalString(body, 'visibility');
  if (
    visibility !== undefined &&
    visibility !== null &&
    !['public', 'private', 'internal'].includes(visibility)
  )
    throw validationFailed('visibility', 'visibility must be public, private or internal', 'invalid');
  const hasWiki = optionalBoolean(body, 'has_wiki');
  const ownerDir = owner.ownerDir ?? join(ctx.state.dir, owner.login);
  await mkdir(ownerDir, { recursive: true });
  await runGit(ownerDir, [
    'init',
    '--bare',
    '--quiet',
    '--initial-branch=main',
    join(ownerDir, `${name}.git`),
  ]);
  const file = await rawOwnerFile(owner);
  file.repos[name] = {
    ...(description === undefined || description === null ? {} : { description }),
    visibility: visibility ?? (isPrivate === false ? 'public' : 'private'),
    ...(hasWiki === undefined ? {} : { has_wiki: hasWiki }),
  };
  await saveOwnerFile(ctx.state, owner, file);
  const after = await reload(ctx.state, owner.login, name);
  const json = await repoJson(ctx, after.owner, after.repo);
  deliver(ctx, after.owner, 'created', json);
  return { status: 201, body: json };
}

async function editRepo(ctx: RouteContext): Promise<RouteResult> {
  const { owner, repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
  const body = objectBody(ctx);
  const archived = optionalBoolean(body, 'archived');
  const touched = Object.keys(body).filter((k) => k !== 'archived');
  if (repo.metadata.archived && archived !== false && touched.length > 0)
    throw new GithubApiError(403, 'Repository was archived so is read-only.');
  const newName = body['name'] === undefined ? repo.name : validName(body['name']);
  const renamed = newName !== repo.name;
  if (renamed) {
    const clash = findRepo(owner, newName);
    if (clash !== undefined && clash !== repo)
      throw validationFailed('name', 'name already exists on this account');
  }
  const description = optionalString(body, 'description');
  const defaultBranch = optionalString(body, 'default_branch');
  if (defaultBranch !== undefined && defaultBranch !== null) {
    const branches = (await listBranches(repo.gitDir)).map((b) => b.name);
    if (branches.length > 0 && !branches.includes(defaultBranch))
      throw validationFailed(
        'default_branch',
        `The branch ${defaultBranch} was not found. Please push that ref first or create it via the Git Data API.`,
        'invalid',
      );
  }
  const visibility =
    optionalString(body, 'visibility') ??
    (optionalBoolean(body, 'private') === undefined
      ? undefined
      : body['private'] === true
        ? 'private'
        : 'public');
  if (
    visibility !== undefined &&
    visibility !== null &&
    !['public', 'private', 'internal'].includes(visibility)
  )
    throw validationFailed('visibility', 'visibility must be public, private or internal', 'invalid');

  const before = await repoJson(ctx, owner, repo);
  const file = await rawOwnerFile(owner);
  const entry: RepoInput = { ...(file.repos[repo.name] ?? {}) };
  if (renamed) {
    // GitHub keeps the id across a rename; the sandbox derives ids from names, so the old one is written down.
    entry['id'] = repoId({ owner: ownerAccount(owner), repo });
    delete file.repos[repo.name];
    const dir = owner.ownerDir ?? join(ctx.state.dir, owner.login);
    await rename(repo.gitDir, join(dir, `${newName}.git`));
    if (repo.wikiGitDir !== null) await rename(repo.wikiGitDir, join(dir, `${newName}.wiki.git`));
  }
  if (description !== undefined) entry['description'] = description;
  if (defaultBranch !== undefined && defaultBranch !== null) entry['default_branch'] = defaultBranch;
  if (visibility !== undefined && visibility !== null) entry['visibility'] = visibility;
  if (archived !== undefined) entry['archived'] = archived;
  file.repos[newName] = entry;
  await saveOwnerFile(ctx.state, owner, file);

  const after = await reload(ctx.state, owner.login, newName);
  const json = await repoJson(ctx, after.owner, after.repo);
  // GitHub sends one delivery per kind of change, in this order.
  if (renamed) deliver(ctx, after.owner, 'renamed', json, { repository: { name: { from: repo.name } } });
  const edits: Record<string, unknown> = {};
  if (description !== undefined && description !== before['description'])
    edits['description'] = { from: before['description'] };
  if (defaultBranch !== undefined && defaultBranch !== before['default_branch'])
    edits['default_branch'] = { from: before['default_branch'] };
  if (Object.keys(edits).length > 0) deliver(ctx, after.owner, 'edited', json, edits);
  if (visibility !== undefined && visibility !== before['visibility'])
    deliver(ctx, after.owner, visibility === 'public' ? 'publicized' : 'privatized', json);
  if (archived !== undefined && archived !== repo.metadata.archived)
    deliver(ctx, after.owner, archived ? 'archived' : 'unarchived', json);
  return { body: json };
}

async function deleteRepo(ctx: RouteContext): Promise<RouteResult> {
  const { owner, repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
  const json = await repoJson(ctx, owner, repo);
  await rm(repo.gitDir, { recursive: true, force: true });
  if (repo.wikiGitDir !== null) await rm(repo.wikiGitDir, { recursive: true, force: true });
  if (owner.metadataFile !== null) {
    const file = await rawOwnerFile(owner);
    delete file.repos[repo.name];
    await saveOwnerFile(ctx.state, owner, file);
  }
  deliver(ctx, owner, 'deleted', json);
  return { status: 204, body: undefined };
}

/**
 * Repository administration, as GitHub answers it: create in an organization, edit (rename, description,
 * default branch, visibility, archive), delete. Each change sends the `repository` webhook GitHub sends.
 */
export function repoAdminRoutes(): Route[] {
  return [
    { pattern: '/orgs/:org/repos', method: 'POST', handle: createRepo },
    { pattern: '/repos/:owner/:repo', method: 'PATCH', handle: editRepo },
    { pattern: '/repos/:owner/:repo', method: 'DELETE', handle: deleteRepo },
  ];
}
