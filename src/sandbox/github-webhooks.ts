import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import type { Logger } from 'pino';
import { runGit } from '../git/git-runner.ts';
import type { RefUpdate } from './push-record.ts';

const ZERO = '0000000000000000000000000000000000000000';

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
  readonly log: Logger;
}

export interface PushContext {
  readonly owner: string;
  readonly repo: string;
  readonly repoDir: string;
  readonly baseUrl: string;
  readonly pusher: string;
  readonly updates: readonly RefUpdate[];
}

export interface Delivery {
  readonly event: string;
  readonly id: string;
  readonly payload: Record<string, unknown>;
}

async function commitsBetween(
  repoDir: string,
  before: string,
  after: string,
): Promise<Record<string, unknown>[]> {
  if (after === ZERO) return [];
  const range = before === ZERO ? [after, '-n', '1'] : [`${before}..${after}`, '-n', '20'];
  const out = await runGit(
    repoDir,
    ['log', '--reverse', '--format=%H%x1f%s%x1f%an%x1f%ae%x1f%aI%x1e', ...range],
    {
      check: false,
    },
  );
  return out.stdout
    .split('\x1e')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((rec) => {
      const [id = '', message = '', name = '', email = '', timestamp = ''] = rec.split('\x1f');
      return {
        id,
        tree_id: id,
        distinct: true,
        message,
        timestamp,
        url: '',
        author: { name, email, username: name },
        committer: { name, email, username: name },
        added: [],
        removed: [],
        modified: [],
      };
    });
}

function repositoryPayload(ctx: PushContext): Record<string, unknown> {
  const owner = {
    login: ctx.owner,
    id: 1,
    node_id: 'MDEyOk9yZ2FuaXphdGlvbjE=',
    type: 'Organization',
    site_admin: false,
    url: `${ctx.baseUrl}/api/v3/users/${ctx.owner}`,
    html_url: `${ctx.baseUrl}/${ctx.owner}`,
  };
  return {
    id: 1,
    node_id: 'MDEwOlJlcG9zaXRvcnkx',
    name: ctx.repo,
    full_name: `${ctx.owner}/${ctx.repo}`,
    private: true,
    owner,
    html_url: `${ctx.baseUrl}/${ctx.owner}/${ctx.repo}`,
    url: `${ctx.baseUrl}/api/v3/repos/${ctx.owner}/${ctx.repo}`,
    clone_url: `${ctx.baseUrl}/${ctx.owner}/${ctx.repo}.git`,
    fork: false,
  };
}

/**
 * The deliveries GitHub makes for one push: a `push` per updated ref plus `create`/`delete` for new and
 * removed branches and tags. Like GitHub, no `push` events for tags when more than three are pushed at once.
 */
export async function pushDeliveries(ctx: PushContext): Promise<Delivery[]> {
  const out: Delivery[] = [];
  const repository = repositoryPayload(ctx);
  const sender = { login: ctx.pusher, id: 2, type: 'User', site_admin: false };
  const tagCount = ctx.updates.filter((u) => u.ref.startsWith('refs/tags/')).length;
  for (const u of ctx.updates) {
    const isTag = u.ref.startsWith('refs/tags/');
    if (!isTag && !u.ref.startsWith('refs/heads/')) continue;
    const created = u.before === ZERO;
    const deleted = u.after === ZERO;
    const shortRef = u.ref.replace(/^refs\/(heads|tags)\//, '');
    if (!(isTag && tagCount > 3)) {
      const commits = await commitsBetween(ctx.repoDir, u.before, u.after);
      out.push({
        event: 'push',
        id: randomUUID(),
        payload: {
          ref: u.ref,
          before: u.before,
          after: u.after,
          created,
          deleted,
          forced: !created && !deleted && (await isForced(ctx.repoDir, u.before, u.after)),
          base_ref: null,
          compare: `${ctx.baseUrl}/${ctx.owner}/${ctx.repo}/compare/${u.before.slice(0, 12)}...${u.after.slice(0, 12)}`,
          commits,
          head_commit: commits[commits.length - 1] ?? null,
          repository,
          pusher: { name: ctx.pusher, email: null },
          sender,
        },
      });
    }
    if (created || deleted) {
      out.push({
        event: created ? 'create' : 'delete',
        id: randomUUID(),
        payload: {
          ref: shortRef,
          ref_type: isTag ? 'tag' : 'branch',
          ...(created ? { master_branch: 'main', description: null } : {}),
          pusher_type: 'user',
          repository,
          sender,
        },
      });
    }
  }
  return out;
}

async function isForced(repoDir: string, before: string, after: string): Promise<boolean> {
  const r = await runGit(repoDir, ['merge-base', '--is-ancestor', before, after], { check: false });
  return r.code !== 0;
}

/** Sends deliveries as GitHub does: JSON body, event/delivery headers, HMAC-SHA256 signature. */
export async function sendDeliveries(target: WebhookTarget, deliveries: readonly Delivery[]): Promise<void> {
  for (const d of deliveries) {
    const body = JSON.stringify(d.payload);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/sandbox',
          'x-github-event': d.event,
          'x-github-delivery': d.id,
          'x-github-hook-id': '1',
          'x-hub-signature-256': await sign(target.secret, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      target.log.debug({ event: d.event, deliveryId: d.id, status: res.status }, 'sandbox webhook delivered');
    } catch (err) {
      // GitHub does not redeliver on its own; a failed delivery is only logged.
      target.log.warn({ event: d.event, deliveryId: d.id, err }, 'sandbox webhook delivery failed');
    }
  }
}

/** What GitHub sends the moment a webhook is created (or `ping`ed from its settings page). */
export function pingDelivery(url: string): Delivery {
  const now = new Date().toISOString();
  return {
    event: 'ping',
    id: randomUUID(),
    payload: {
      zen: 'Keep it logically awesome.',
      hook_id: 1,
      hook: {
        type: 'Organization',
        id: 1,
        name: 'web',
        active: true,
        events: ['push', 'create', 'delete', 'repository'],
        config: { content_type: 'json', insecure_ssl: '0', url },
        updated_at: now,
        created_at: now,
      },
      sender: { login: 'sandbox-admin', id: 2, type: 'User', site_admin: true },
    },
  };
}
