/** A permission of the catalog, as `ApiKeyRbacService` and the admin API show it. */
export interface ApiKeyPermission {
  name: string;
  description: string | null;
  createdAt: Date;
}

/** A role: a named set of permissions that keys hold together (SPEC §8). */
export interface ApiKeyRole {
  name: string;
  /** The permissions the role carries, sorted. */
  permissions: string[];
  createdAt: Date;
}

/** Paging of `listPermissions` and `listRoles`. */
export interface RbacListQuery {
  /** 1–100, default 100. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface ApiKeyPermissionPage {
  items: ApiKeyPermission[];
  nextCursor: string | null;
}

export interface ApiKeyRolePage {
  items: ApiKeyRole[];
  nextCursor: string | null;
}
