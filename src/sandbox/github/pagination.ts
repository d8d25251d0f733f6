/** GitHub's page-based pagination: `per_page` (default 30, at most 100), `page` from 1, and a `Link` header. */

export interface PageRequest {
  readonly page: number;
  readonly perPage: number;
}

export interface PageOf<T> {
  readonly items: T[];
  /** Absent when everything fits on the first page, as on GitHub. */
  readonly link: string | undefined;
}

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

/** GitHub quietly clamps out-of-range values instead of rejecting them. */
export function readPageRequest(query: URLSearchParams): PageRequest {
  return {
    page: positiveInt(query.get('page')) ?? 1,
    perPage: Math.min(positiveInt(query.get('per_page')) ?? DEFAULT_PER_PAGE, MAX_PER_PAGE),
  };
}

/**
 * Slices one page and builds the `Link` header with absolute URLs: the request's own URL (`publicUrl`, other
 * query parameters kept) with `page` replaced. Relations in GitHub's order: prev, next, last, first.
 */
export function pageOf<T>(all: readonly T[], request: PageRequest, publicUrl: URL): PageOf<T> {
  const { page, perPage } = request;
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const at = (n: number): string => {
    const url = new URL(publicUrl);
    url.searchParams.set('page', String(n));
    return url.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${at(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`);
  return { items, link: links.length === 0 ? undefined : links.join(', ') };
}
