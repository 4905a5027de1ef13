import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiKeyService } from '../lib/index.js';
import { AppModule, SAMPLE_DATABASE } from './app.module.js';
import { ensureRootKey } from './root-key.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks(); // flushes buffered lastUsedAt writes and usage counts on Ctrl-C
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;

  // First start: a root key for the admin API, printed once; only its hash is stored.
  const rootKey = await ensureRootKey(app.get(ApiKeyService));
  if (rootKey) {
    process.stdout.write(firstStartBanner(base, rootKey));
    return;
  }
  const logger = new Logger('Sample');
  logger.log(
    `Listening on ${base}; admin page at ${base}/api-keys/ui. The root key was printed on first start only (the database keeps its hash).`,
  );
  logger.log(`Delete ${SAMPLE_DATABASE} to start over with a new root key.`);
}

function firstStartBanner(base: string, rootKey: string): string {
  return `
nest-api-keys sample is listening on ${base}

Root key (shown once, only its hash is stored):
  ROOT_KEY=${rootKey}

Admin page: ${base}/api-keys/ui (sign in with the root key)

Try it (bash):
  # 1. create a key for the owner "acme" that may read projects, with 100 credits
  #    and at most 10 calls a minute
  RES=$(curl -s -X POST ${base}/api-keys/keys -H "x-api-key: $ROOT_KEY" -H 'content-type: application/json' \\
        -d '{"ownerId":"acme","name":"demo","permissions":["projects:read"],"remaining":100,
             "rateLimits":[{"name":"per-minute","limit":10,"windowMs":60000}]}'); echo "$RES"
  KEY=$(echo "$RES" | sed -E 's/.*"key":"([^"]+)".*/\\1/'); ID=$(echo "$RES" | sed -E 's/.*"apiKey":\\{"id":"([^"]+)".*/\\1/')

  # 2. call a guarded route: 200, with RateLimit-* headers
  curl -si ${base}/projects -H "x-api-key: $KEY" | grep -iE '^(HTTP|ratelimit)|projects'
  # 2b. a route that costs 5 credits
  curl -s ${base}/projects/export -H "x-api-key: $KEY"; echo
  # 3. a route that needs projects:write: 403 INSUFFICIENT_PERMISSIONS
  curl -s -X POST ${base}/projects -H "Authorization: Bearer $KEY"; echo
  # 3b. a role that carries projects:write, given to the key: the same call now answers 201
  curl -s -X POST ${base}/api-keys/roles -H "x-api-key: $ROOT_KEY" -H 'content-type: application/json' \\
       -d '{"name":"project-editor","permissions":["projects:write"]}'; echo
  curl -s -X PUT ${base}/api-keys/keys/$ID/roles -H "x-api-key: $ROOT_KEY" -H 'content-type: application/json' \\
       -d '{"roles":["project-editor"]}' > /dev/null
  curl -s -X POST ${base}/projects -H "Authorization: Bearer $KEY"; echo
  # 4. the key's usage: hourly buckets of the last 24 h (total, valid, byCode, credits spent),
  #    and its most recent verifications
  curl -s ${base}/api-keys/keys/$ID/usage -H "x-api-key: $ROOT_KEY"; echo
  curl -s ${base}/api-keys/keys/$ID/verifications?limit=5 -H "x-api-key: $ROOT_KEY"; echo
  # 5. a child key for a CI runner: it can only narrow its parent and spends the parent's credits
  CHILD=$(curl -s -X POST ${base}/api-keys/keys/$ID/children -H "x-api-key: $ROOT_KEY" -H 'content-type: application/json' \\
          -d '{"name":"ci","permissions":["projects:read"]}' | sed -E 's/.*"key":"([^"]+)".*/\\1/')
  curl -s ${base}/projects -H "x-api-key: $CHILD"; echo
  # 6. revoke the key, then the same call answers 401 REVOKED, for its child too
  curl -s -X POST ${base}/api-keys/keys/$ID/revoke -H "x-api-key: $ROOT_KEY"; echo
  curl -s ${base}/projects -H "x-api-key: $KEY"; echo
  curl -s ${base}/projects -H "x-api-key: $CHILD"; echo
  # 7. the audit trail: who changed the key, when and from where, newest first
  curl -s "${base}/api-keys/audit-events?keyId=$ID" -H "x-api-key: $ROOT_KEY"; echo

`;
}

void bootstrap();
