import { ApiKeyValidationError } from '../api-keys.errors.js';
import { checkTags, MAX_VERIFY_TAGS } from './verify-tags.js';

describe('verify tags', () => {
  it('takes up to 10 identifiers of 1–128 characters', () => {
    expect(checkTags(undefined)).toBeUndefined();
    expect(checkTags([])).toEqual([]);
    const most = Array.from({ length: MAX_VERIFY_TAGS }, (_, i) => `route:/v1/items/${i}`);
    expect(checkTags(most)).toEqual(most);
    expect(checkTags(['x'.repeat(128), 'Région eu-west', '✓'])).toHaveLength(3);
  });

  it.each([
    ['not an array', 'export'],
    ['null', null],
    ['11 tags', Array.from({ length: 11 }, (_, i) => `t${i}`)],
    ['an empty tag', ['']],
    ['a 129-character tag', ['x'.repeat(129)]],
    ['a newline (the stored separator)', ['a\nb']],
    ['a control character', ['a\u0000']],
    ['a zero-width character', ['a\u200bb']],
    ['leading whitespace', [' a']],
    ['a number', [7]],
  ])('refuses %s with a field error', (_, tags) => {
    expect(() => checkTags(tags)).toThrow(ApiKeyValidationError);
    try {
      checkTags(tags);
    } catch (error) {
      expect((error as ApiKeyValidationError).errors).toEqual([{ field: 'tags', messages: [expect.stringMatching(/^tags/)] }]);
    }
  });
});
