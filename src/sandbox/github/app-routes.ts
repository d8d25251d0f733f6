import type { GithubTokens } from './app-tokens.ts';
import { notFound } from './api-error.ts';
import { ownerAccount, requireOrg } from './github-state.ts';
import { param, type Route } from './route-types.ts';

const PERMISSIONS = { contents: 'read', metadata: 'read', members: 'read', administration: 'read' };
const EVENTS = ['push', 'create', 'delete', 'repository', 'team', 'membership', 'member', 'organization'];

/** GitHub's timestamps have whole seconds. */
function iso(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * The GitHub App endpoints gh2cc uses, authenticated with the App's JWT: the App itself, its installation on
 * an organization, and installation access tokens (which the sandbox then accepts for REST and git until
 * they expire).
 */
export function appRoutes(tokens: GithubTokens): Route[] {
  const { app } = tokens;
  return [
    {
      pattern: '/app',
      free: true,
      auth: 'app',
      handle: () =>
        Promise.resolve({
          body: {
            id: app.appId,
            slug: 'gh2cc-sandbox',
            node_id: 'A_kwDOsandbox',
            name: 'gh2cc sandbox',
            owner: null,
            description: 'The GitHub App of the gh2cc sandbox',
            external_url: 'https://github.com',
            html_url: 'https://github.com/apps/gh2cc-sandbox',
            created_at: '2026-01-01T00:00:00Z',
            updated_at: '2026-01-01T00:00:00Z',
            permissions: PERMISSIONS,
            events: EVENTS,
          },
        }),
    },
    {
      pattern: '/orgs/:org/installation',
      free: true,
      auth: 'app',
      handle: async (ctx) => {
        const owner = await requireOrg(ctx.state, param(ctx, 'org'));
        const account = ownerAccount(owner);
        return {
          body: {
            id: app.installationId,
            account: { login: account.login, id: account.id, type: 'Organization' },
            repository_selection: 'all',
            access_tokens_url: `${ctx.urls.api}/app/installations/${app.installationId}/access_tokens`,
            repositories_url: `${ctx.urls.api}/installation/repositories`,
            html_url: `${ctx.urls.html}/organizations/${account.login}/settings/installations/${app.installationId}`,
            app_id: app.appId,
            app_slug: 'gh2cc-sandbox',
            target_id: account.id,
            target_type: 'Organization',
            permissions: PERMISSIONS,
            events: EVENTS,
            created_at: '2026-01-01T00:00:00Z',
            updated_at: '2026-01-01T00:00:00Z',
            single_file_name: null,
          },
        };
      },
    },
    {
      pattern: '/app/installations/:id/access_tokens',
      method: 'POST',
      free: true,
      auth: 'app',
      handle: (ctx) => {
        if (param(ctx, 'id') !== String(app.installationId)) return Promise.reject(notFound());
        const { token, expiresAt } = tokens.issue();
        return Promise.resolve({
          status: 201,
          body: {
            token,
            expires_at: iso(expiresAt),
            permissions: PERMISSIONS,
            repository_selection: 'all',
          },
        });
      },
    },
  ];
}
