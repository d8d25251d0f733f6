import { accountOf } from './account.ts';
import { notFound } from './api-error.ts';
import { adminAccount, findAccount, ownerAccount, ownerProfile, requireOrg } from './github-state.ts';
import { enumParam } from './query-params.ts';
import { paged, param, type Route } from './route-types.ts';
import { organizationJson, privateUserJson, publicUserJson, simpleUserJson } from './user-json.ts';
import { organizationMembers } from './team-access.ts';

/** Users, organizations, organization members and the rate limit. */
export function accountRoutes(): Route[] {
  return [
    {
      pattern: '/user',
      handle: (ctx) => {
        const admin = adminAccount();
        return Promise.resolve({ body: privateUserJson(ctx.urls, admin.account, admin.profile) });
      },
    },
    {
      pattern: '/users/:username',
      handle: async (ctx) => {
        const found = await findAccount(ctx.state, param(ctx, 'username'));
        if (found === null) throw notFound();
        return { body: publicUserJson(ctx.urls, found.account, found.profile) };
      },
    },
    {
      pattern: '/orgs/:org',
      handle: async (ctx) => {
        const org = await requireOrg(ctx.state, param(ctx, 'org'));
        return { body: organizationJson(ctx.urls, ownerAccount(org), ownerProfile(org)) };
      },
    },
    {
      pattern: '/orgs/:org/members',
      handle: async (ctx) => {
        const org = await requireOrg(ctx.state, param(ctx, 'org'));
        const role = enumParam(ctx.query, 'role', ['all', 'admin', 'member'], 'all');
        const filter = enumParam(ctx.query, 'filter', ['all', '2fa_disabled', '2fa_insecure'], 'all');
        // Sandbox users have no second factor at all, so "2FA disabled" is everyone and "insecure 2FA" no one.
        const members = organizationMembers(org.metadata).filter(
          (m) => (role === 'all' || m.role === role) && filter !== '2fa_insecure',
        );
        return paged(ctx, members, (page) =>
          page.map((m) => simpleUserJson(ctx.urls, accountOf(m.login, 'User'))),
        );
      },
    },
    {
      pattern: '/rate_limit',
      free: true,
      handle: (ctx) => {
        const core = {
          limit: ctx.rateLimit.limit,
          remaining: ctx.rateLimit.remaining,
          reset: ctx.rateLimit.reset,
          used: ctx.rateLimit.used,
        };
        const untouched = (limit: number): typeof core => ({
          limit,
          remaining: limit,
          reset: core.reset,
          used: 0,
        });
        // `rate` repeats `resources.core`; older clients read only that.
        return Promise.resolve({
          body: {
            resources: {
              core,
              search: untouched(30),
              graphql: untouched(5000),
              integration_manifest: untouched(5000),
              code_search: untouched(10),
            },
            rate: core,
          },
        });
      },
    },
  ];
}
