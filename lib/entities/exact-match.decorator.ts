/**
 * Marks a column that holds an identifier compared in SQL (SPEC §11: owner ids, namespaces,
 * environments, permission and role names, hashes). PostgreSQL and SQLite compare such strings
 * exactly already; MySQL/MariaDB need a binary NO PAD collation, which TypeORM cannot declare per
 * database in one entity (it would emit the MySQL collation on PostgreSQL and SQLite too). So the
 * columns are marked here, API_KEYS_MIGRATIONS sets the collation, and SchemaCheck refuses to
 * boot on MySQL/MariaDB while a marked column still compares loosely.
 * @internal
 */
export function ExactMatch(): PropertyDecorator {
  return (target, propertyName) => {
    EXACT_MATCH_PROPERTIES.push({ target: target.constructor, propertyName: String(propertyName) });
  };
}

/** Every property marked with `@ExactMatch()`. @internal */
export const EXACT_MATCH_PROPERTIES: Array<{ target: Function; propertyName: string }> = [];
