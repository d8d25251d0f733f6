import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGit } from '../../src/git/git-runner.ts';
import { enqueueSync } from '../../src/jobs/enqueue-sync.ts';
import { openQueues, type Gh2ccQueues } from '../../src/jobs/open-queues.ts';
import { createRedis, type RedisClient } from '../../src/queue/redis-connection.ts';
import { initialState, type RepoState } from '../../src/state/repo-state.ts';
import { StateStore } from '../../src/state/state-store.ts';
import { tempDir } from '../helpers/git.ts';
import { pushToCodecommit, writeOwnerFile } from '../helpers/mirror-checks.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

/** Debian's chromium by default; GH2CC_CHROMIUM points elsewhere. Missing, the test fails: it never skips. */
const CHROMIUM = process.env['GH2CC_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

const redisUrl = inject('redisUrl');
const sandbox = inject('sandbox');
const githubDir = join(inject('sandboxDir'), 'github');

const ORG = `st${randomBytes(3).toString('hex')}`;
const REPO = `${ORG}/web`;
const ROGUE = 'refs/heads/<script>alert(1)</script>';
const DESCRIPTION = `<img src=x onerror=alert(2)><b>Payments</b> & "checkout"`;
/** Synthetic repositories beside the real one: three pages of 100. */
const FLEET = 250;

describe('status page in headless Chromium, against gh2cc daemon on the sandbox', { timeout: 20_000 }, () => {
  const token = randomBytes(24).toString('hex');
  const user = 'ops';
  const password = randomBytes(12).toString('hex');
  const prefix = `{sp${randomBytes(4).toString('hex')}}`;
  let work: string;
  let daemon: RunningProcess;
  let url: string;
  let redis: RedisClient;
  let store: StateStore;
  let queues: Gh2ccQueues;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let rogueSha: string;
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];

  async function syncAndWait(until: (s: RepoState | undefined) => boolean, what: string): Promise<void> {
    await enqueueSync(
      queues.sync,
      store,
      { owner: ORG, repo: 'web', reason: 'manual' },
      { attempts: 1, removeOnComplete: true, removeOnFail: true },
    );
    await eventually(async () => until(await store.get(REPO)), 10_000, what);
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is not at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or point GH2CC_CHROMIUM at a Chromium binary`,
      );
    work = await tempDir('gh2cc-status-page-');
    await seedOrg(githubDir, ORG, [{ name: 'web', commits: 3, branches: 1 }]);
    await writeOwnerFile(githubDir, ORG, { web: { description: DESCRIPTION } });
    redis = createRedis(redisUrl, 'status-page-test', { failFast: true });
    store = new StateStore(redis, prefix);
    queues = openQueues(redis, prefix);
    daemon = gh2cc(['daemon', '--no-schedules'], {
      ...sandbox.env,
      GH2CC_ORG: ORG,
      REDIS_URL: redisUrl,
      GH2CC_REDIS_PREFIX: prefix,
      GH2CC_CACHE_DIR: join(work, 'cache'),
      GH2CC_PORT: '0',
      GH2CC_HOST: '127.0.0.1',
      GH2CC_STATUS_TOKEN: token,
      GH2CC_STATUS_USER: user,
      GH2CC_STATUS_PASSWORD: password,
    });
    const [launched] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM }),
      eventually(() => daemon.stderr().includes('"msg":"ready"'), 15_000, 'gh2cc daemon ready'),
    ]);
    browser = launched;
    url = /"url":"(http:[^"]+)"/.exec(daemon.stderr())?.[1] ?? '';

    // The real repository: mirrored by the daemon, then someone creates a branch in CodeCommit whose name is
    // HTML, and the next sync reports it as divergent (left alone: onDivergence alert).
    await syncAndWait((s) => s?.state === 'ok', 'the first sync of web');
    rogueSha = (await runGit(join(githubDir, ORG, 'web.git'), ['rev-parse', 'main'])).stdout.trim();
    await pushToCodecommit(sandbox, join(githubDir, ORG, 'web.git'), 'web', `${rogueSha}:${ROGUE}`);
    await syncAndWait((s) => s?.state === 'diverged', 'web diverged');

    // Many more repositories, as a migration and the daemon leave them (seeded: syncing 250 takes minutes).
    const now = Date.now();
    const fleet: RepoState[] = Array.from({ length: FLEET }, (_, i) => {
      const name = `svc-${String(i).padStart(3, '0')}`;
      const at = new Date(now - i * 60_000).toISOString();
      const base = {
        ...initialState(`fleet/${name}`, name, 10_000 + i),
        state: 'ok' as const,
        lastSyncAt: at,
        lastSuccessAt: at,
        lastResult: 'migrated' as const,
        lagSeconds: 0.8,
        description: `service ${i}`,
      };
      if (i % 50 === 7)
        return {
          ...base,
          state: 'failing' as const,
          lastResult: 'failed' as const,
          consecutiveFailures: 5,
          // Arbitrary text in an error, and a secret the daemon knows (its status token): never shown.
          lastError: `push refused: <b>boom</b><img src=x onerror=alert(3)> with ${token}`,
          lastErrorCode: 'network',
          backups: [
            {
              ref: 'refs/heads/gh2cc-backup/20261126T120000Z-ffffffff/heads/main',
              original: 'refs/heads/main',
              sha: 'f'.repeat(40),
              reason: 'force-pushed',
              at,
            },
          ],
        };
      return i % 25 === 3 ? { ...base, state: 'archived' as const, archived: true } : base;
    });
    await store.putMany(fleet);
    await store.pushHistory('fleet/svc-007', {
      at: new Date(now - 120_000).toISOString(),
      result: 'failed',
      refsPushed: 0,
      durationMs: 1200,
      error: 'remote: <script>alert(4)</script>',
    });

    context = await browser.newContext({
      httpCredentials: { username: user, password },
      viewport: { width: 1400, height: 1000 },
    });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // A CSP violation (an inline style or script the page should not have) is reported as a console error.
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await queues?.close();
    redis?.disconnect();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
    await rm(join(githubDir, ORG), { recursive: true, force: true });
  });

  it('shows counts per state and marks the diverged repository; filters by state, searches, pages', async () => {
    await page.goto(`${url}/`);
    expect(await page.title()).toBe('gh2cc mirrors');
    expect(await page.locator('[data-count="all"] b').textContent()).toBe(String(FLEET + 1));
    expect(await page.locator('[data-count="diverged"] b').textContent()).toBe('1');
    expect(await page.locator('[data-count="failing"] b').textContent()).toBe('5');
    expect(await page.locator('#repos tbody tr').count()).toBe(100);
    expect(await page.locator('#matching').textContent()).toContain('page 1 of 3');
    expect(await page.locator('#queues tr[data-queue="sync"] td').last().textContent()).toBe('1');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-overview.png'), fullPage: false });

    // Next page, then filter by state with the form.
    await page.getByRole('link', { name: 'next ›' }).first().click();
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
    expect(await page.locator('#repos tbody tr').first().getAttribute('data-repo')).toBe('fleet/svc-100');
    await page.locator('select[name="state"]').selectOption('diverged');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(new URL(page.url()).searchParams.get('state')).toBe('diverged');
    const rows = page.locator('#repos tbody tr');
    expect(await rows.count()).toBe(1);
    const row = page.locator(`#repos tr[data-repo="${REPO}"]`);
    expect(await row.locator('.state').textContent()).toBe('diverged');
    expect(await row.getAttribute('data-state')).toBe('diverged');
    // The branch name is shown as text: no script element came from it.
    expect(await row.locator('td.error').textContent()).toBe(`diverged: ${ROGUE}`);
    expect(await row.locator('.desc').textContent()).toBe(DESCRIPTION);
    // Lag in commits and time: the last sync found the branch in CodeCommit and nothing to bring across.
    expect(await row.locator('td.lag').textContent()).toMatch(/^0 commits, \d+(\.\d)?s$/);
    expect(await row.getByRole('link', { name: 'GitHub' }).getAttribute('href')).toBe(
      `${sandbox.github.apiUrl.replace(/\/api\/v3$/, '')}/${REPO}`,
    );
    expect(await row.getByRole('link', { name: 'CodeCommit console' }).getAttribute('href')).toBe(
      `https://${sandbox.codecommit.region}.console.aws.amazon.com/codesuite/codecommit/repositories/web/browse?region=${sandbox.codecommit.region}`,
    );

    // The failing ones: their errors are text too, and the daemon's token is redacted.
    await page.locator('[data-count="failing"]').click();
    expect(await page.locator('#repos tbody tr').count()).toBe(5);
    const failing = page.locator('#repos tr[data-repo="fleet/svc-007"] td.error');
    expect(await failing.textContent()).toBe(
      'push refused: <b>boom</b><img src=x onerror=alert(3)> with **redacted**',
    );

    // Search (any state): by name, then by words of the description.
    await page.locator('select[name="state"]').selectOption('');
    await page.locator('input[name="q"]').fill('SVC-24');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.locator('#repos .repo-name').allTextContents()).toEqual(
      Array.from({ length: 10 }, (_, i) => `fleet/svc-24${i}`),
    );
    await page.locator('input[name="q"]').fill('payments');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.locator('#repos .repo-name').allTextContents()).toEqual([REPO]);
    expect(await page.locator('script, img').count()).toBe(0);
  });

  it('opens a repository page: history, drift with both SHAs, backup refs; HTML in names and errors is text', async () => {
    await page.goto(`${url}/?q=${ORG}`);
    await page.getByRole('link', { name: REPO }).click();
    expect(new URL(page.url()).pathname).toBe(`/repos/${REPO}`);
    expect(await page.locator('#repo').textContent()).toBe(REPO);
    expect(await page.locator('h1 .state').textContent()).toBe('diverged');
    expect(await page.locator('#description').textContent()).toBe(DESCRIPTION);
    const drift = page.locator('#drift tbody tr');
    expect(await drift.count()).toBe(1);
    expect(await drift.locator('td').allTextContents()).toEqual([
      ROGUE,
      'absent (only in CodeCommit)',
      rogueSha,
    ]);
    // Newest first: the sync that found the rogue branch, then the first one that pushed everything.
    const history = page.locator('#history tbody tr');
    expect(await history.count()).toBe(2);
    expect(await history.nth(0).locator('td').nth(1).textContent()).toBe('diverged');
    expect(await history.nth(1).locator('td').nth(1).textContent()).toBe('migrated');
    expect(Number(await history.nth(1).locator('td').nth(2).textContent())).toBeGreaterThan(0);
    expect(await page.locator('script, img').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-repo.png'), fullPage: true });

    await page.goto(`${url}/repos/fleet/svc-007`);
    expect(await page.locator('#backups tbody td').first().textContent()).toBe(
      'refs/heads/gh2cc-backup/20261126T120000Z-ffffffff/heads/main',
    );
    expect(await page.locator('#history tbody td.error').textContent()).toBe(
      'remote: <script>alert(4)</script>',
    );
    expect(await page.locator('#last-error').textContent()).toContain('**redacted**');
    const content = await page.content();
    expect(content).not.toContain(token);
    expect(content).not.toContain(password);
    expect(await page.locator('script, img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('asks for credentials (401) without them, answers with a bearer token or basic auth, never shows them', async () => {
    const plain = await fetch(`${url}/`);
    expect(plain.status).toBe(401);
    expect(plain.headers.get('www-authenticate')).toBe('Basic realm="gh2cc"');
    expect(await plain.text()).not.toContain(token);
    // A token in the URL is not accepted: URLs end up in logs and browser history.
    expect((await fetch(`${url}/?token=${token}`)).status).toBe(401);
    expect((await fetch(`${url}/`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    const wrongBasic = Buffer.from(`${user}:not-the-password`).toString('base64');
    expect((await fetch(`${url}/`, { headers: { authorization: `Basic ${wrongBasic}` } })).status).toBe(401);
    expect((await fetch(`${url}/repos/${REPO}`)).status).toBe(401);

    const bearer = await fetch(`${url}/?state=diverged`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(bearer.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await bearer.text();
    expect(body).not.toContain(token);
    expect(body).not.toContain(password);
    // Escaped in the HTML itself, not only made harmless by the CSP.
    expect(body).toContain('refs/heads/&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).not.toContain('<script');
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    expect(
      (await fetch(`${url}/repos/${REPO}`, { headers: { authorization: `Basic ${basic}` } })).status,
    ).toBe(200);

    // Health, metrics (and the webhook) are not behind the page's credentials.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect(daemon.stderr()).not.toContain(token);
    expect(daemon.stderr()).not.toContain(password);
  });
});
