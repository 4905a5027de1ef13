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
    }),
  ],
  controllers: [ProjectsController],
})
export class AppModule {}
