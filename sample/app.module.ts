import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS, ApiKeysModule } from '../lib/index.js';
import { ProjectsController } from './projects.controller.js';

export const SAMPLE_DATABASE = process.env.SAMPLE_DB ?? '.sample-data/sample.db';
mkdirSync(dirname(SAMPLE_DATABASE), { recursive: true });

@Module({
  imports: [
    // The host owns TypeORM: the library only needs its entities (and migrations) listed.
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: SAMPLE_DATABASE,
      enableWAL: true,
      entities: [...API_KEYS_ENTITIES],
      migrations: [...API_KEYS_MIGRATIONS],
      migrationsRun: true,
    }),
    ApiKeysModule.forRoot({
      keyPrefix: 'sk_demo',
      // Each owner holds at most 50 keys that are not revoked (409 MAX_KEYS_REACHED past it).
      maxKeysPerOwner: 50,
      // Mounts the admin REST API at /api-keys, protected by keys holding api_keys:admin,
      // and the admin page at /api-keys/ui.
      admin: { path: 'api-keys', ui: true },
      // The secrets vault (README "Secrets vault") when SAMPLE_SECRETS_KEY holds a key made with
      // node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"; without it the
      // /api-keys/owners/:ownerId/secrets routes answer 501 SECRETS_NOT_CONFIGURED.
      ...(process.env.SAMPLE_SECRETS_KEY ? { secrets: { keys: { k1: process.env.SAMPLE_SECRETS_KEY }, activeKeyId: 'k1' } } : {}),
    }),
  ],
  controllers: [ProjectsController],
})
export class AppModule {}
