// Runs the longest suites first, so that no long suite starts near the end of the run and
// leaves the other workers idle. Jest does this by itself from the durations it records in its
// cache; a clean clone (CI) has none and Jest falls back to file size, which started the
// 100k-key memory suite (a short file, the longest SQLite suite) last. Here a suite without a
// recorded duration gets an estimate: the figures below for the known long ones (seconds, on
// the 2-core machine), otherwise its file size as Jest would use it.
import sequencer from '@jest/test-sequencer';
import { basename } from 'node:path';

const Sequencer = sequencer.default ?? sequencer;

/** Estimated seconds per file, per project (`*`: any project). */
const KNOWN = {
  'cli.e2e-spec.ts': { '*': 110 },
  'cache.e2e-spec.ts': { sqlite: 45, '*': 80 },
  'cache-memory.e2e-spec.ts': { sqlite: 100, '*': 35 },
  'admin-page.browser-spec.ts': { '*': 65 },
  'redis-storage.e2e-spec.ts': { '*': 45 },
  'cache-instances.e2e-spec.ts': { '*': 40 },
  'secrets.e2e-spec.ts': { sqlite: 13, '*': 35 },
  'published-build.spec.ts': { '*': 30 },
  'brute-force.e2e-spec.ts': { '*': 30 },
  'admin-keys.e2e-spec.ts': { '*': 30 },
  'quotas-credits-http.e2e-spec.ts': { '*': 27 },
  'admin-input-bounds.e2e-spec.ts': { '*': 25 },
};

export default class SlowestFirstSequencer extends Sequencer {
  time(test) {
    const recorded = super.time(test);
    if (recorded != null) return recorded;
    const known = KNOWN[basename(test.path)];
    const project = test.context.config.displayName?.name;
    if (known) return 1000 * (known[project] ?? known['*']);
    // Unknown: ordered among themselves by size, after the known long suites (≈ 1 s per 2 kB).
    return (test.context.hasteFS.getSize(test.path) ?? 0) / 2;
  }
}
