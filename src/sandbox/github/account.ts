import { stableId } from './stable-id.ts';

/** A user or organization as GitHub identifies it in nested objects (`owner`, `members`, `restrictions`). */
export interface Account {
  readonly login: string;
  readonly type: 'User' | 'Organization';
  readonly id: number;
  readonly siteAdmin: boolean;
}

/** The identity the sandbox token authenticates as: a site administrator who can see everything. */
export const SANDBOX_ADMIN_LOGIN = 'sandbox-admin';

export function accountOf(login: string, type: Account['type'], id?: number): Account {
  return {
    login,
    type,
    id: id ?? stableId('user', login),
    siteAdmin: login === SANDBOX_ADMIN_LOGIN,
  };
}
