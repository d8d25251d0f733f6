import type { SourceRepo } from './repo-filter.ts';

/** Tag keys gh2cc writes on every repository it creates or adopts. */
export const TAG_MANAGED_BY = 'gh2cc:managed-by';
export const TAG_SOURCE = 'gh2cc:source';
export const TAG_ARCHIVED = 'gh2cc:archived';
export const TAG_VISIBILITY = 'gh2cc:visibility';
export const TOPIC_TAG_PREFIX = 'github-topic:';
export const MAX_TAGS = 50;
export const MAX_DESCRIPTION = 1000;

/** CodeCommit tag values allow letters, digits, spaces and `+ - = . _ : / @` only. */
function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_').slice(0, 256);
}

/** Provenance, archived state, visibility and GitHub topics as CodeCommit tags (within the 50-tag limit). */
export function repoTags(repo: SourceRepo): { tags: Record<string, string>; notes: string[] } {
  const tags: Record<string, string> = {
    [TAG_MANAGED_BY]: 'gh2cc',
    [TAG_SOURCE]: tagValue(repo.htmlUrl),
    [TAG_ARCHIVED]: String(repo.archived),
    [TAG_VISIBILITY]: repo.visibility,
  };
  const notes: string[] = [];
  const room = MAX_TAGS - Object.keys(tags).length;
  const topics = [...repo.topics].sort();
  for (const topic of topics.slice(0, room)) tags[`${TOPIC_TAG_PREFIX}${topic}`.slice(0, 128)] = '';
  if (topics.length > room) notes.push(`only ${room} of ${topics.length} topics fit in CodeCommit's 50 tags`);
  return { tags, notes };
}

/** The description CodeCommit accepts (at most 1,000 characters), and a note when it had to be cut. */
export function repoDescription(repo: SourceRepo): { description: string; note?: string } {
  if (repo.description.length <= MAX_DESCRIPTION) return { description: repo.description };
  return {
    description: `${repo.description.slice(0, MAX_DESCRIPTION - 1)}…`,
    note: `description cut from ${repo.description.length} to ${MAX_DESCRIPTION} characters`,
  };
}

/** Whether a CodeCommit repository's tags say gh2cc mirrors it from this source. */
export function ownedBy(tags: Readonly<Record<string, string>>, repo: SourceRepo): boolean {
  return tags[TAG_MANAGED_BY] === 'gh2cc' && tags[TAG_SOURCE] === tagValue(repo.htmlUrl);
}
