/** The GitHub REST sandbox: the request handler, and the owner metadata format seeders write. */
export { createGithubApi } from './create-github-api.ts';
export { listOwners, loadOwner, writeOwnerFile } from './owner-store.ts';
export type { OwnerMetadataCache, OwnerState, RepoOnDisk } from './owner-store.ts';
export { ownerMetadataSchema, parseOwnerMetadata, validateOwnerMetadata } from './owner-metadata.ts';
export type {
  BranchProtectionRule,
  OwnerMetadata,
  OwnerMetadataInput,
  RepoMetadata,
  RepoPermission,
} from './owner-metadata.ts';
export { SANDBOX_ADMIN_LOGIN } from './account.ts';
