import { ApiKeyValidationError } from '../api-keys.errors.js';
import { identifierProblem } from '../keys/identifiers.js';

/** Most tags one verification may carry. */
export const MAX_VERIFY_TAGS = 10;

/**
 * Why `tags` (the `tags` of a verify) are not acceptable, or null: an array of at most
 * MAX_VERIFY_TAGS identifiers (SPEC §11: 1–128 characters, no leading or trailing whitespace, no
 * control or invisible characters). They are stored on the verification log and filtered on
 * exactly, so the confusable forms stay out.
 * @internal
 */
export function tagsProblem(tags: unknown): string | null {
  if (!Array.isArray(tags)) return 'tags must be an array of strings';
  if (tags.length > MAX_VERIFY_TAGS) return `tags must hold at most ${MAX_VERIFY_TAGS} tags`;
  for (const tag of tags) {
    const problem = identifierProblem('tag', tag);
    if (problem) return `tags entries ${problem}`;
  }
  return null;
}

/** The verify option `tags`, checked (a 400-style ApiKeyValidationError otherwise). @internal */
export function checkTags(tags: unknown): string[] | undefined {
  if (tags === undefined) return undefined;
  const problem = tagsProblem(tags);
  if (problem) throw ApiKeyValidationError.field('tags', problem);
  return tags as string[];
}
