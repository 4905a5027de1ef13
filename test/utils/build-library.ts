import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file is test/utils/build-library.ts). */
export const REPO_ROOT = resolve(__dirname, '../..');
/** The built bin, as `package.json` names it. */
export const CLI_BIN = join(REPO_ROOT, 'dist/cli/main.js');

const CACHE = join(REPO_ROOT, 'node_modules/.cache/nest-api-keys-build');
/** Touched after each successful build: dist is fresh while it is newer than every source. */
const STAMP = join(CACHE, 'stamp');
/** A directory, since mkdir is atomic: whoever creates it builds, the others wait. */
const LOCK = join(CACHE, 'lock');
const BUILD_INPUTS = ['lib', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** A lock older than this belongs to a build that died without releasing it. */
const STALE_LOCK_MS = 5 * 60_000;
const POLL_MS = 200;

/**
 * Builds `tsconfig.build.json` into dist/ for suites that run the built package (the CLI as
 * a subprocess). Skipped when dist is newer than every source under lib/ (and the tsconfigs
 * and package.json), so a Jest run builds at most once; safe when several lanes or workers
 * start at once: one builds under a lock, the others wait for it and then find dist fresh.
 */
export async function buildLibrary(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  if (isFresh()) return;
  await acquireLock();
  try {
    if (isFresh()) return; // another process built while we waited
    // Stamped with the start time: a source saved while tsc runs makes the next run rebuild.
    const started = new Date();
    await runTsc();
    writeFileSync(STAMP, `${started.toISOString()}\n`);
    utimesSync(STAMP, started, started);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function isFresh(): boolean {
  const stamp = mtimeOf(STAMP);
  if (stamp === null || mtimeOf(CLI_BIN) === null) return false;
  return newestInput() < stamp;
}

function newestInput(): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (!path.endsWith('.spec.ts')) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const input of BUILD_INPUTS) visit(join(REPO_ROOT, input));
  return newest;
}

function mtimeOf(path: string): number | null {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? null;
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'owner'), `${process.pid}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockIsStale()) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The lock's owner is gone (its pid no longer runs) or it has held the lock too long. */
function lockIsStale(): boolean {
  const created = mtimeOf(LOCK);
  if (created === null) return false; // released meanwhile: try again
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(join(LOCK, 'owner'), 'utf8'));
  } catch {
    // created but not yet written: judge by age only
  }
  if (owner && !isRunning(owner)) return true;
  return Date.now() - created > STALE_LOCK_MS;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runTsc(): Promise<void> {
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`tsc -p tsconfig.build.json failed (exit ${code}):\n${output}`)),
    );
  });
}
