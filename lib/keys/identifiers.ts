import { PERMISSION_NAME_PATTERN } from '../rbac/permission-matcher.js';

/**
 * The identifiers of SPEC §11 — owner ids, namespaces, environments, permission, role and
 * rate-limit names, and the tags of a verification — and their one rule: 1–128 characters, no leading or trailing whitespace,
 * no control or invisible format characters. They are compared exactly on every database (on
 * MySQL/MariaDB through a binary NO PAD collation), so `acme`, `ACME`, `acme ` and `acmé` are
 * four owners; this rule keeps the confusable forms (padding, zero-width marks, controls) out.
 * Some kinds add a shape of their own (a permission is `segment:segment`).
 */
export const MAX_IDENTIFIER_LENGTH = 128;

export type IdentifierKind = 'ownerId' | 'namespace' | 'environment' | 'permission' | 'role' | 'rateLimitName' | 'tag' | 'secretName';

/** Letters, digits and `_ . : -`: namespaces, environments and rate-limit names. */
export const LABEL_PATTERN = /^[A-Za-z0-9_.:-]+$/;

const SHAPES: Partial<Record<IdentifierKind, { pattern: RegExp; hint: string }>> = {
  namespace: { pattern: LABEL_PATTERN, hint: 'letters, digits, _ . : -' },
  environment: { pattern: LABEL_PATTERN, hint: 'letters, digits, _ . : -' },
  rateLimitName: { pattern: LABEL_PATTERN, hint: 'letters, digits, _ . : -' },
  // A secret's name is a path segment of the admin API (`/secrets/:name`): no '/', no '%'.
  secretName: { pattern: LABEL_PATTERN, hint: 'letters, digits, _ . : -' },
  permission: { pattern: PERMISSION_NAME_PATTERN, hint: "names like 'billing:read' or 'billing:*'" },
  role: { pattern: PERMISSION_NAME_PATTERN, hint: "names like 'admin' or 'billing:reader'" },
};

// Controls (C0, DEL, C1), format characters (zero-width, bidi overrides, BOM), lone surrogates
// and line/paragraph separators. Single-character classes: linear on any input.
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const EDGE_WHITESPACE = /^\s|\s$/;

/** Why `value` is not a valid identifier of this kind, or null when it is. */
export function identifierProblem(kind: IdentifierKind, value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  // A code point takes at most 2 UTF-16 units: anything longer is too long without counting.
  if (value.length > 2 * MAX_IDENTIFIER_LENGTH || [...value].length > MAX_IDENTIFIER_LENGTH) {
    return `must be at most ${MAX_IDENTIFIER_LENGTH} characters`;
  }
  if (EDGE_WHITESPACE.test(value)) return 'must not start or end with whitespace';
  if (INVISIBLE_OR_CONTROL.test(value)) return 'must not contain control or invisible characters';
  const shape = SHAPES[kind];
  if (shape && !shape.pattern.test(value)) return `must hold ${shape.hint}`;
  return null;
}

/** The shape an identifier of this kind must have besides the common rule, if any. */
export function identifierShape(kind: IdentifierKind): RegExp | undefined {
  return SHAPES[kind]?.pattern;
}

/** Whether `value` is a valid identifier of this kind. */
export function isIdentifier(kind: IdentifierKind, value: unknown): value is string {
  return identifierProblem(kind, value) === null;
}
