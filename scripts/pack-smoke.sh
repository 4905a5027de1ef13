#!/usr/bin/env bash
# Packaging smoke test: packs this library once with `npm pack` and installs that tarball into
# two fresh apps that follow the README:
#   esm  an ESM Nest 12 app ("type": "module", module NodeNext, TypeScript 6);
#   cjs  a stock CommonJS Nest 11 app ("module": "commonjs", @nestjs/typeorm 11,
#        @nestjs/throttler 6, class-validator 0.14, TypeScript 5), which require()s the package.
# Each app is built with tsc, seeds a root key with the README's seed script (taken from the
# README itself), runs on SQLite and is checked over HTTP with curl: a guarded route, the
# admin API, the error codes, graceful shutdown. Exits non-zero on the first failure and
# prints the time each step took.
#
# Usage: scripts/pack-smoke.sh          (KEEP=1 keeps the temp dir for inspection)
# Needs: node >= 20.19, npm 11, curl, network access to the npm registry.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nest-api-keys-smoke.XXXXXX")"
APP_PID=""
INSTALL_PIDS=()
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# --- output and timings ------------------------------------------------------------------------
now_ms() { date +%s%3N; }
SMOKE_START="$(now_ms)"
STEP_NAME=""; STEP_START=""; TIMINGS=()
end_step() {
  if [[ -n "$STEP_NAME" ]]; then TIMINGS+=("$(printf '%7.1f s  %s' "$(( $(now_ms) - STEP_START ))e-3" "$STEP_NAME")"); fi
  STEP_NAME=""
}
step() { end_step; STEP_NAME="$*"; STEP_START="$(now_ms)"; printf '\n==> %s\n' "$*"; }
print_timings() {
  end_step
  printf '\ntimings:\n'
  printf '  %s\n' "${TIMINGS[@]}"
  printf '%9.1f s  total\n' "$(( $(now_ms) - SMOKE_START ))e-3"
}
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# Always stop what we started (by pid: the app, and the install process groups) and remove
# the temp dir.
cleanup() {
  local status=$?
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  for pid in "${INSTALL_PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  if [[ $status != 0 ]]; then print_timings; fi
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
echo "tarball: $(basename "$TARBALL") ($(wc -l <<<"$FILES") files, $(( $(stat -c %s "$TARBALL") / 1024 )) KiB)"

# The tarball ships the compiled entry point, its ESM declarations and their CommonJS-format
# copy (for require()), and no tests or sources.
for file in dist/index.js dist/index.d.ts dist/cjs-types/index.d.ts dist/cjs-types/package.json dist/cli/main.js; do
  grep -qx "package/$file" <<<"$FILES" || fail "$file missing from tarball"
done
ESM_DTS="$(grep -c '^package/dist/.*\.d\.ts$' <<<"$(grep -v '^package/dist/cjs-types/' <<<"$FILES")")"
CJS_DTS="$(grep -c '^package/dist/cjs-types/.*\.d\.ts$' <<<"$FILES")"
[[ "$ESM_DTS" == "$CJS_DTS" ]] || fail "dist/cjs-types has $CJS_DTS declarations, dist has $ESM_DTS"
CJS_MARKER="$(tar xzOf "$TARBALL" package/dist/cjs-types/package.json)"
grep -q '"type": "commonjs"' <<<"$CJS_MARKER" || fail "dist/cjs-types/package.json does not mark the copy CommonJS"
for f in index.html main.js admin-page.css; do
  grep -qx "package/dist/admin/ui/page/$f" <<<"$FILES" || fail "admin page $f missing from tarball"
done
if grep -E '\.spec\.|/test/|/sample/|/lib/' <<<"$FILES"; then fail "tarball ships tests or sources"; fi

# ---------------------------------------------------------------------------------------------
step "generate the consumer apps (README 'Install in an existing Nest app')"
ESM="$WORK/esm"
CJS="$WORK/cjs"
mkdir -p "$ESM/src" "$CJS/src"

# The ESM Nest 12 app: "type": "module", NodeNext, `.js` suffixes on relative imports.
cat >"$ESM/package.json" <<EOF
{
  "name": "pack-smoke-esm-nest12",
  "version": "1.0.0",
  "private": true,
  "type": "module",
  "allowScripts": { "better-sqlite3": true },
  "dependencies": {
    "nest-api-keys": "file:$TARBALL",
    "@nestjs/common": "^12.0.0",
    "@nestjs/core": "^12.0.0",
    "@nestjs/platform-express": "^12.0.0",
    "@nestjs/typeorm": "^12.0.0",
    "@nestjs/throttler": "^6.4.0",
    "typeorm": "^1.0.0",
    "class-validator": "^0.15.0",
    "class-transformer": "^0.5.1",
    "reflect-metadata": "^0.2.0",
    "rxjs": "^7.8.0",
    "better-sqlite3": "^12.0.0"
  },
  "devDependencies": {
    "typescript": "~6.0.0",
    "@types/node": "^20.19.0"
  }
}
EOF
cat >"$ESM/tsconfig.json" <<'EOF'
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

# The CommonJS Nest 11 app: the stock layout of `nest new` for Nest 11 (no "type", tsconfig
# "module": "commonjs", extensionless relative imports), with the peers at their Nest 11 majors.
# ioredis 6 and 5 (alias) are there to type-check RedisThrottlerStorage against both clients;
# typeorm 1.x declares an optional peer ioredis ^5 (its Redis query cache), so ioredis 6 needs
# the override the README gives.
cat >"$CJS/package.json" <<EOF
{
  "name": "pack-smoke-cjs-nest11",
  "version": "0.0.1",
  "private": true,
  "license": "UNLICENSED",
  "allowScripts": { "better-sqlite3": true },
  "dependencies": {
    "nest-api-keys": "file:$TARBALL",
    "@nestjs/common": "^11.0.1",
    "@nestjs/core": "^11.0.1",
    "@nestjs/platform-express": "^11.0.1",
    "@nestjs/typeorm": "^11.0.0",
    "@nestjs/throttler": "^6.4.0",
    "typeorm": "^1.0.0",
    "class-validator": "~0.14.0",
    "class-transformer": "^0.5.1",
    "reflect-metadata": "^0.2.2",
    "rxjs": "^7.8.1",
    "better-sqlite3": "^12.0.0",
    "ioredis": "^6.0.0",
    "ioredis5": "npm:ioredis@^5.0.0"
  },
  "devDependencies": {
    "typescript": "^5.7.3",
    "typescript57": "npm:typescript@5.7.3",
    "@types/node": "^20.19.0"
  },
  "overrides": { "typeorm": { "ioredis": "\$ioredis" } }
}
EOF
cat >"$CJS/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "module": "commonjs",
    "declaration": true,
    "removeComments": true,
    "emitDecoratorMetadata": true,
    "experimentalDecorators": true,
    "allowSyntheticDefaultImports": true,
    "target": "ES2023",
    "sourceMap": true,
    "outDir": "./dist",
    "baseUrl": "./",
    "incremental": true,
    "skipLibCheck": true,
    "strictNullChecks": true,
    "forceConsistentCasingInFileNames": true,
    "noImplicitAny": false,
    "strictBindCallApply": false,
    "noFallthroughCasesInSwitch": false
  },
  "include": ["src"]
}
EOF
# Type-check only, with every declaration checked (skipLibCheck off): the same app under
# moduleResolution node10 (what "module": "commonjs" implies), module node16, and module
# nodenext (today's Nest 11 starter; TypeScript 5.7 cannot require ESM declarations there).
for mode in node10 node16 nodenext; do
  if [[ $mode == node10 ]]; then module=''; else module="\"module\": \"$mode\", \"moduleResolution\": \"$mode\","; fi
  cat >"$CJS/tsconfig.check-$mode.json" <<EOF
{ "extends": "./tsconfig.json", "compilerOptions": { $module "noEmit": true, "incremental": false, "skipLibCheck": false } }
EOF
done

# Sources both apps share. $1: the app, $2: the relative-import suffix ('.js' for ESM).
write_sources() {
  local app="$1" ext="$2"
  # README "Wire it up", with SQLite instead of PostgreSQL.
  cat >"$app/src/app.module.ts" <<EOF
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS, ApiKeysModule } from 'nest-api-keys';
import { InvoicesController } from './invoices.controller$ext';

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
  cat >"$app/src/invoices.controller.ts" <<'EOF'
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

  cat >"$app/src/main.ts" <<EOF
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module$ext';

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  console.log('READY');
}
void bootstrap();
EOF

  # README "Issue the first root key": the seed script exactly as the README shows it.
  awk '/^\/\/ (src\/)?seed-root-key\.ts$/ { found = 1; next } found && /^```/ { exit } found' "$REPO/README.md" \
    >"$app/src/seed-root-key.ts"
  grep -q 'ApiKeyService' "$app/src/seed-root-key.ts" || fail "README seed script not found"

  # Proves the package types are real (not `any`): tsc fails if this error does not occur.
  cat >"$app/src/types-are-real.ts" <<'EOF'
import type { ApiKeyService } from 'nest-api-keys';
export function misuse(service: ApiKeyService) {
  // @ts-expect-error create() takes an input object
  return service.create(42);
}
EOF
}
write_sources "$ESM" .js
write_sources "$CJS" ''

# Compile-only: both ioredis majors' Redis and Cluster clients fit RedisThrottlerStorage.
cat >"$CJS/src/redis-clients.ts" <<'EOF'
import { Cluster, Redis } from 'ioredis';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { RedisThrottlerStorage } from 'nest-api-keys';

export function storages(redis6: Redis, cluster6: Cluster, redis5: Redis5, cluster5: Cluster5): RedisThrottlerStorage[] {
  return [redis6, cluster6, redis5, cluster5].map((client) => new RedisThrottlerStorage(client, { prefix: 'app:rl:' }));
}
EOF

# ---------------------------------------------------------------------------------------------
step "npm install, both apps at once (the one tarball + peers)"
# Each install runs in its own session so that cleanup can stop it with everything it spawned.
setsid bash -c 'cd "$1" && exec npm install >"$2" 2>&1' _ "$ESM" "$WORK/esm-install.log" &
INSTALL_PIDS+=($!)
setsid bash -c 'cd "$1" && exec npm install >"$2" 2>&1' _ "$CJS" "$WORK/cjs-install.log" &
INSTALL_PIDS+=($!)
wait "${INSTALL_PIDS[0]}" || { cat "$WORK/esm-install.log" >&2; fail "npm install (esm)"; }
wait "${INSTALL_PIDS[1]}" || { cat "$WORK/cjs-install.log" >&2; fail "npm install (cjs)"; }
INSTALL_PIDS=()

for app in "$ESM" "$CJS"; do
  name="$(basename "$app")"
  [[ -d "$app/node_modules/nest-api-keys" && ! -L "$app/node_modules/nest-api-keys" ]] \
    || fail "$name: nest-api-keys is not installed as a real folder"
  ls "$app"/node_modules/better-sqlite3/build/Release/better_sqlite3.node >/dev/null 2>&1 \
    || fail "$name: better-sqlite3 native module was not built (allowScripts?)"
  # One copy of Nest core only, or DI breaks across the package boundary.
  [[ "$(find "$app/node_modules" -path '*/@nestjs/core/package.json' | wc -l)" == 1 ]] \
    || fail "$name: more than one @nestjs/core installed"
  echo "$name: $(cd "$app" && node -e "
    const v = (n) => n + '@' + JSON.parse(require('fs').readFileSync('node_modules/' + n + '/package.json', 'utf8')).version;
    console.log(process.argv.slice(1).map(v).join(' '))" \
    nest-api-keys @nestjs/core @nestjs/typeorm @nestjs/throttler typeorm class-validator better-sqlite3 typescript)"
done
echo "cjs: $(cd "$CJS" && node -p "['ioredis', 'ioredis5', 'typescript57'].map(n => n + '@' + require(n + '/package.json').version).join(' ')")"

# ---------------------------------------------------------------------------------------------
step "esm: tsc (package types, no skipLibCheck) and import hygiene"
(cd "$ESM" && npx tsc -p tsconfig.json) || fail "esm: tsc failed"
if grep -rnE "from 'nest-api-keys/" "$ESM/src" "$ESM/dist"; then fail "esm: consumer imports a deep path"; fi
# The exports map must block deep imports such as nest-api-keys/dist/index.js.
DEEP="$(cd "$ESM" && node --input-type=module -e \
  "import('nest-api-keys/dist/index.js').then(() => console.log('ALLOWED'), (e) => console.log(e.code))")"
[[ "$DEEP" == ERR_PACKAGE_PATH_NOT_EXPORTED ]] || fail "esm: deep import not blocked by exports: $DEEP"
echo "esm: types resolve from nest-api-keys/dist/index.d.ts; deep imports blocked"

step "cjs: tsc (module commonjs, node10, node16, nodenext on TypeScript 5 and 5.7) and require()"
(cd "$CJS" && npx tsc -p tsconfig.json) || fail "cjs: tsc (stock tsconfig, module commonjs) failed"
grep -q "require(\"nest-api-keys\")" "$CJS/dist/app.module.js" || fail "cjs: the build does not require() the package"
for mode in node10 node16 nodenext; do
  (cd "$CJS" && npx tsc -p "tsconfig.check-$mode.json") || fail "cjs: tsc ($mode, skipLibCheck off) failed"
  echo "cjs: tsc $(cd "$CJS" && npx tsc -v) $mode: ok"
done
(cd "$CJS" && node node_modules/typescript57/bin/tsc -p tsconfig.check-nodenext.json) \
  || fail "cjs: TypeScript 5.7 (nodenext) failed"
echo "cjs: tsc 5.7.3 nodenext: ok"
# Which declarations each resolution picked: CommonJS-format ones for require.
(cd "$CJS" && npx tsc -p tsconfig.check-node16.json --traceResolution >"$WORK/cjs-trace.log") || fail "cjs: tsc --traceResolution"
TRACE="$(grep "Module name 'nest-api-keys' was successfully resolved" "$WORK/cjs-trace.log" | sort -u)"
[[ "$TRACE" == *"nest-api-keys/dist/cjs-types/index.d.ts"* && "$TRACE" != *"dist/index.d.ts"* ]] \
  || fail "cjs: node16 did not resolve nest-api-keys to dist/cjs-types only: $TRACE"
REQUIRED="$(cd "$CJS" && node -e "
  const m = require('nest-api-keys');
  console.log(require.resolve('nest-api-keys').replace(process.cwd() + '/', ''), typeof m.ApiKeysModule, typeof m.ApiKeyGuard);
  try { require('nest-api-keys/dist/index.js'); console.log('deep: ALLOWED'); } catch (e) { console.log('deep: ' + e.code); }")"
[[ "$REQUIRED" == $'node_modules/nest-api-keys/dist/index.js function function\ndeep: ERR_PACKAGE_PATH_NOT_EXPORTED' ]] \
  || fail "cjs: require() of the package: $REQUIRED"
echo "cjs: require('nest-api-keys') loads dist/index.js (the ES module); deep requires blocked"

# ---------------------------------------------------------------------------------------------
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
  printf 'ok  %-56s %s %s\n' "$name" "$status" "$([[ "$code" != - ]] && echo "$code")"
}
json() { node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))$1)" "$BODY"; }

# check_app NAME DIR: seed a root key with the README script, start the app, check it over
# HTTP, stop it with SIGTERM.
check_app() {
  local name="$1" app="$2"
  step "$name: seed a root key (README seed script) and start the app"
  export DB_FILE="$WORK/$name.db"
  local seeded root_key
  seeded="$(cd "$app" && node dist/seed-root-key.js)" || fail "$name: the seed script failed"
  # The script prints the key and nothing else.
  [[ "$seeded" =~ ^sk_test_[0-9A-Za-z]+$ ]] || fail "$name: seed did not print exactly a root key: $seeded"
  root_key="$seeded"

  local port base log="$WORK/$name-app.log"
  port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  base="http://127.0.0.1:$port"
  (cd "$app" && PORT="$port" exec node dist/main.js) >"$log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 100); do
    grep -q READY "$log" && break
    kill -0 "$APP_PID" 2>/dev/null || { cat "$log" >&2; fail "$name: app exited during startup"; }
    sleep 0.2
  done
  grep -q READY "$log" || { cat "$log" >&2; fail "$name: app did not start"; }
  echo "$name: app pid $APP_PID on $base"

  step "$name: HTTP checks"
  expect "create a key (POST /api-keys/keys, root key)" 201 - \
    -X POST "$base/api-keys/keys" -H "x-api-key: $root_key" -H 'content-type: application/json' \
    -d '{"ownerId":"acme","name":"demo","permissions":["billing:read"]}'
  local key id
  key="$(json .key)"; id="$(json .apiKey.id)"
  [[ "$key" == sk_test_* ]] || fail "$name: created key has the wrong prefix: $key"
  if grep -q '"hash"' "$BODY"; then fail "$name: create answer leaks the hash"; fi
  expect "list keys (GET /api-keys/keys, root key)" 200 - "$base/api-keys/keys?ownerId=acme" -H "x-api-key: $root_key"
  [[ "$(json ".items.map(k => k.id).join(',')")" == "$id" ]] || fail "$name: the list does not hold exactly the new key"
  expect "admin body validation (class-validator)" 400 VALIDATION_FAILED \
    -X POST "$base/api-keys/keys" -H "x-api-key: $root_key" -H 'content-type: application/json' \
    -d '{"ownerId":"acme","name":"demo","unknownField":1}'
  [[ "$(json ".errors.map(e => e.field).join(',')")" == unknownField ]] || fail "$name: validation errors do not name the field"
  expect "admin API without a key" 401 MISSING "$base/api-keys/keys"
  expect "admin API with a non-admin key" 403 - "$base/api-keys/keys" -H "x-api-key: $key"

  expect "guarded route (x-api-key)" 200 - "$base/invoices" -H "x-api-key: $key"
  [[ "$(json .owner)" == acme ]] || fail "$name: @CurrentApiKey did not carry the owner"
  expect "route needing billing:write (Bearer)" 403 INSUFFICIENT_PERMISSIONS \
    -X POST "$base/invoices" -H "Authorization: Bearer $key"
  expect "no key" 401 MISSING "$base/invoices"
  grep -qi '^WWW-Authenticate: ApiKey' "$HEADERS" || fail "$name: no key: WWW-Authenticate header missing"
  expect "malformed key" 401 MALFORMED "$base/invoices" -H "x-api-key: sk_test_nope"
  expect "revoke (POST /api-keys/keys/:id/revoke)" 200 - \
    -X POST "$base/api-keys/keys/$id/revoke" -H "x-api-key: $root_key"
  expect "revoked key" 401 REVOKED "$base/invoices" -H "x-api-key: $key"

  step "$name: graceful shutdown (SIGTERM, enableShutdownHooks)"
  kill -TERM "$APP_PID"
  local status=0
  wait "$APP_PID" || status=$?
  APP_PID=""
  # 0, or 143 if Node re-raised SIGTERM after the hooks ran: both mean it stopped on request.
  [[ "$status" == 0 || "$status" == 143 ]] || { cat "$log" >&2; fail "$name: app exited with $status"; }
  if grep -qiE 'error|exception' "$log"; then cat "$log" >&2; fail "$name: app logged errors"; fi
  echo "$name: app stopped (exit $status), no errors logged"
}

check_app esm "$ESM"
check_app cjs "$CJS"

print_timings
printf '\nPASS: the packed tarball installs, type-checks and works in a fresh ESM Nest 12 app and a CommonJS Nest 11 app\n'
