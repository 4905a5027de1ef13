import { ApiKeysInitialSchema1763800000000 } from './1763800000000-api-keys-initial-schema.js';
import { ApiKeysQuotas1763900000000 } from './1763900000000-api-keys-quotas.js';
import { ApiKeysExactIdentifiers1764000000000 } from './1764000000000-api-keys-exact-identifiers.js';
import { ApiKeysOwnerCounts1764050000000 } from './1764050000000-api-keys-owner-counts.js';
import { ApiKeysAudit1764100000000 } from './1764100000000-api-keys-audit.js';
import { ApiKeysUsage1764200000000 } from './1764200000000-api-keys-usage.js';
import { ApiKeysSecrets1764300000000 } from './1764300000000-api-keys-secrets.js';
import { ApiKeysCreditsGranted1764400000000 } from './1764400000000-api-keys-credits-granted.js';

export {
  ApiKeysInitialSchema1763800000000,
  ApiKeysQuotas1763900000000,
  ApiKeysExactIdentifiers1764000000000,
  ApiKeysOwnerCounts1764050000000,
  ApiKeysAudit1764100000000,
  ApiKeysUsage1764200000000,
  ApiKeysSecrets1764300000000,
  ApiKeysCreditsGranted1764400000000,
};
