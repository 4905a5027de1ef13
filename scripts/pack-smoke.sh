#!/usr/bin/env bash
# Packaging smoke test: packs this library with `npm pack`, installs the tarball into a fresh
# TypeScript ESM Nest 12 app that follows the README, builds it with tsc, runs it on SQLite
# and checks the README's flows over HTTP with curl. Exits non-zero on the first failure.
#
# Usage: scripts/pack-smoke.sh          (KEEP=1 keeps the temp dir for inspection)
# Needs: node >= 20.19, npm 11, curl, network access to the npm registry.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nest-api-keys-smoke.XXXXXX")"
APP="$WORK/app"
APP_PID=""
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# Always stop the app we started (by its pid) and remove the temp dir.
cleanup() {
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
step "npm pack (runs the build through prepack)"
mkdir -p "$WORK/pack"
(cd "$REPO" && npm pack --pack-destination "$WORK/pack" >"$WORK/pack.log" 2>&1) \
  || { cat "$WORK/pack.log" >&2; fail "npm pack"; }
TARBALL="$(ls "$WORK"/pack/nest-api-keys-*.tgz)"
FILES="$(tar tzf "$TARBALL")"
echo "tarball: $(basename "$TARBALL") ($(wc -l <<<"$FILES") files)"

# The tarball must ship the compiled entry point and its types, and no tests or sources.
grep -qx 'package/dist/index.js' <<<"$FILES"   || fail "dist/index.js missing from tarball"
grep -qx 'package/dist/index.d.ts' <<<"$FILES" || fail "dist/index.d.ts missing from tarball"
for f in index.html main.js admin-page.css; do
  grep -qx "package/dist/admin/ui/page/$f" <<<"$FILES" || fail "admin page $f missing from tarball"
done
if grep -E '\.spec\.|/test/|/sample/|/lib/' <<<"$FILES"; then fail "tarball ships tests or sources"; fi

# ---------------------------------------------------------------------------------------------
step "generate the consumer app (README 'Install in an existing Nest app')"
mkdir -p "$APP/src"

cat >"$APP/package.json" <<'EOF'
{
  "name": "pack-smoke-consumer",
  "version": "1.0.0",
  "private": true,
  "type": "module",
  "allowScripts": { "better-sqlite3": true }
}
EOF

cat >"$APP/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "target": "ES2022",
    "lib": ["ES2022"],
    "types": ["node"],
    "strict": true,
    "strictPropertyInitialization": false,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "useDefineForClassFields": false,
    "skipLibCheck": false,
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
EOF

# README "Wire it up", with SQLite instead of PostgreSQL.
cat >"$APP/src/app.module.ts" <<'EOF'
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS, ApiKeysModule } from 'nest-api-keys';
import { InvoicesController } from './invoices.controller.js';

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: process.env.DB_FILE ?? 'app.db',
      entities: [...API_KEYS_ENTITIES],
      migrations: [...API_KEYS_MIGRATIONS],
      migrationsRun: true,
    }),
    ApiKeysModule.forRoot({
      keyPrefix: 'sk_test',
      pepper: process.env.API_KEY_PEPPER,
      admin: { path: 'api-keys', ui: true },
    }),
  ],
  controllers: [InvoicesController],
})
export class AppModule {}
EOF

# README "Guard and decorators".
cat >"$APP/src/invoices.controller.ts" <<'EOF'
import { Controller, Get, Post, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, CurrentApiKey, RequirePermissions, type ApiKeyPrincipal } from 'nest-api-keys';

@Controller('invoices')
@UseGuards(ApiKeyGuard)
@RequirePermissions('billing:read')
export class InvoicesController {
  @Get()
  list(@CurrentApiKey() key: ApiKeyPrincipal) {
    return { owner: key.ownerId, invoices: [] };
  }

  @RequirePermissions('billing:read', 'billing:write')
  @Post()
  create() {
    return { created: true };
  }
}
EOF

# README "Issue the first root key", as a seed script.
cat >"$APP/src/seed.ts" <<'EOF'
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ApiKeyService } from 'nest-api-keys';
import { AppModule } from './app.module.js';

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
const { key } = await app.get(ApiKeyService).create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] });
console.log(`ROOT_KEY=${key}`);
await app.close();
EOF

cat >"$APP/src/main.ts" <<'EOF'
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT), '127.0.0.1');
console.log('READY');
EOF

# Proves the package types are real (not `any`): tsc fails if this error does not occur.
cat >"$APP/src/types-are-real.ts" <<'EOF'
import type { ApiKeyService } from 'nest-api-keys';
export function misuse(service: ApiKeyService) {
  // @ts-expect-error create() takes an input object
  return service.create(42);
}
EOF

# ---------------------------------------------------------------------------------------------
step "npm install (tarball + peers)"
(
  cd "$APP"
  npm install "$TARBALL" \
    @nestjs/common@^12 @nestjs/core@^12 @nestjs/platform-express@^12 \
    @nestjs/typeorm typeorm@^1 @nestjs/throttler class-validator class-transformer \
    reflect-metadata rxjs better-sqlite3@^12 >"$WORK/install.log" 2>&1 \
  && npm install -D typescript@~6.0 @types/node@^20 >>"$WORK/install.log" 2>&1
) || { cat "$WORK/install.log" >&2; fail "npm install"; }

[[ -d "$APP/node_modules/nest-api-keys" && ! -L "$APP/node_modules/nest-api-keys" ]] \
  || fail "nest-api-keys is not installed as a real folder"
ls "$APP"/node_modules/better-sqlite3/build/Release/better_sqlite3.node >/dev/null 2>&1 \
  || fail "better-sqlite3 native module was not built (allowScripts?)"
# One copy of Nest core only, or DI breaks across the package boundary.
[[ "$(find "$APP/node_modules" -path '*/@nestjs/core/package.json' | wc -l)" == 1 ]] \
  || fail "more than one @nestjs/core installed"
echo "installed: $(cd "$APP" && node -p "['nest-api-keys','@nestjs/core','typeorm','better-sqlite3','typescript'].map(n => n + '@' + require('./node_modules/' + n + '/package.json').version).join(' ')")"

# ---------------------------------------------------------------------------------------------
step "tsc (package types, no skipLibCheck) and import hygiene"
(cd "$APP" && npx tsc -p tsconfig.json) || fail "tsc failed on the consumer"
if grep -rnE "from 'nest-api-keys/" "$APP/src" "$APP/dist"; then fail "consumer imports a deep path"; fi
# The exports map must block deep imports such as nest-api-keys/dist/index.js.
DEEP="$(cd "$APP" && node --input-type=module -e \
  "import('nest-api-keys/dist/index.js').then(() => console.log('ALLOWED'), (e) => console.log(e.code))")"
[[ "$DEEP" == ERR_PACKAGE_PATH_NOT_EXPORTED ]] || fail "deep import not blocked by exports: $DEEP"
echo "types resolve from node_modules/nest-api-keys/dist/index.d.ts; deep imports blocked"

# ---------------------------------------------------------------------------------------------
step "seed a root key and start the app"
export DB_FILE="$WORK/app.db"
ROOT_KEY="$(cd "$APP" && node dist/seed.js | sed -n 's/^ROOT_KEY=//p')"
[[ "$ROOT_KEY" == sk_test_* ]] || fail "seed did not print a root key"

PORT="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
BASE="http://127.0.0.1:$PORT"
(cd "$APP" && PORT="$PORT" exec node dist/main.js) >"$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 100); do
  grep -q READY "$WORK/app.log" && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log" >&2; fail "app exited during startup"; }
  sleep 0.2
done
grep -q READY "$WORK/app.log" || { cat "$WORK/app.log" >&2; fail "app did not start"; }
echo "app pid $APP_PID on $BASE"

# ---------------------------------------------------------------------------------------------
step "HTTP checks"
BODY="$WORK/body.json"; HEADERS="$WORK/headers.txt"

# expect NAME STATUS CODE|- curl-args...: asserts the status and, unless '-', the body's code.
expect() {
  local name="$1" status="$2" code="$3"; shift 3
  local got
  got="$(curl -s -o "$BODY" -D "$HEADERS" -w '%{http_code}' "$@")"
  [[ "$got" == "$status" ]] || { cat "$BODY" >&2; echo >&2; fail "$name: status $got, expected $status"; }
  if [[ "$code" != - ]]; then
    grep -q "\"code\":\"$code\"" "$BODY" || { cat "$BODY" >&2; echo >&2; fail "$name: code is not $code"; }
  fi
  printf 'ok  %-52s %s %s\n' "$name" "$status" "$([[ "$code" != - ]] && echo "$code")"
}
json() { node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))$1)" "$BODY"; }

expect "create a key (POST /api-keys/keys, root key)" 201 - \
  -X POST "$BASE/api-keys/keys" -H "x-api-key: $ROOT_KEY" -H 'content-type: application/json' \
  -d '{"ownerId":"acme","name":"demo","permissions":["billing:read"]}'
KEY="$(json .key)"; ID="$(json .apiKey.id)"
[[ "$KEY" == sk_test_* ]] || fail "created key has the wrong prefix: $KEY"
grep -q '"hash"' "$BODY" && fail "create answer leaks the hash"

expect "guarded route (x-api-key)" 200 - "$BASE/invoices" -H "x-api-key: $KEY"
[[ "$(json .owner)" == acme ]] || fail "@CurrentApiKey did not carry the owner"
expect "route needing billing:write (Bearer)" 403 INSUFFICIENT_PERMISSIONS \
  -X POST "$BASE/invoices" -H "Authorization: Bearer $KEY"
expect "admin API with a non-admin key" 403 - "$BASE/api-keys/keys" -H "x-api-key: $KEY"
expect "no key" 401 MISSING "$BASE/invoices"
grep -qi '^WWW-Authenticate: ApiKey' "$HEADERS" || fail "no key: WWW-Authenticate header missing"
expect "admin page (GET /api-keys/ui)" 200 - "$BASE/api-keys/ui"
grep -qi "^Content-Security-Policy: default-src 'self'" "$HEADERS" || fail "admin page: CSP header missing"
expect "admin page script from the package" 200 - "$BASE/api-keys/ui/assets/main.js"
grep -qi '^Content-Type: text/javascript' "$HEADERS" || fail "admin page script: wrong content type"
expect "malformed key" 401 MALFORMED "$BASE/invoices" -H "x-api-key: sk_test_nope"
expect "revoke (POST /api-keys/keys/:id/revoke)" 200 - \
  -X POST "$BASE/api-keys/keys/$ID/revoke" -H "x-api-key: $ROOT_KEY"
expect "revoked key" 401 REVOKED "$BASE/invoices" -H "x-api-key: $KEY"

# ---------------------------------------------------------------------------------------------
step "graceful shutdown (SIGTERM, enableShutdownHooks)"
kill -TERM "$APP_PID"
STATUS=0; wait "$APP_PID" || STATUS=$?
APP_PID=""
# 0, or 143 if Node re-raised SIGTERM after the hooks ran: both mean it stopped on request.
[[ "$STATUS" == 0 || "$STATUS" == 143 ]] || { cat "$WORK/app.log" >&2; fail "app exited with $STATUS"; }
if grep -qiE 'error|exception' "$WORK/app.log"; then cat "$WORK/app.log" >&2; fail "app logged errors"; fi
echo "app stopped (exit $STATUS), no errors logged"

printf '\nPASS: packed tarball installs, type-checks and works in a fresh ESM Nest 12 app\n'
