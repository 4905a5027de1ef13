#!/usr/bin/env node
// Runs the commands of the named package.json scripts (`lint`, `typecheck`: each a chain of
// `a && b && …`) two at a time, as `npm test` does before Jest. Each command (ESLint, Prettier,
// one tsc project) is single-threaded, so one at a time left a core of the 2-core machine idle.
// Every command runs to the end; its output is printed in one piece when it ends; the exit
// status is 1 if any failed. Usage: node scripts/run-checks.mjs lint typecheck
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const names = process.argv.slice(2);
const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts;
const commands = names.flatMap((name) => {
  if (!scripts[name]) throw new Error(`no script ${name} in package.json`);
  return scripts[name].split(' && ').map((command) => command.trim());
});
const slots = Math.max(1, Math.min(2, availableParallelism()));

function run(command) {
  const started = performance.now();
  return new Promise((resolve) => {
    // npm run puts node_modules/.bin on PATH for the scripts it runs, and so for this one.
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      process.stdout.write(`${ok ? '✓' : '✗'} ${command} (${seconds} s${ok ? '' : `, exit ${code ?? signal}`})\n`);
      if (output.trim() && (!ok || /warn/i.test(output))) process.stdout.write(`${output.trimEnd()}\n`);
      resolve(ok);
    });
  });
}

let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: slots }, async () => {
    while (next < commands.length) if (!(await run(commands[next++]))) failed++;
  }),
);
process.exit(failed ? 1 : 0);
