#!/usr/bin/env node
// Runs the commands of the named package.json scripts (`lint`, `typecheck`: each a chain of
// `a && b && …`), as `npm test` does. Each command (ESLint, Prettier, one tsc project) is
// single-threaded. Alone they run two at a time, one per core of the 2-core machine.
// With `--alongside '<command>'` (Jest) that command starts at once, with the terminal, and
// the checks run one at a time beside it: Jest on this machine keeps the two cores only
// ~78 % busy (its suites wait on databases, Redis and subprocesses), and the checks fill the
// rest instead of delaying Jest's start by half a minute.
// Every command runs to its end; a check's output is printed in one piece when it ends; the
// exit status is 1 if any command failed.
// Usage: node scripts/run-checks.mjs [--alongside '<command>'] lint typecheck [options of the command]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const args = process.argv.slice(2);
const alongsideAt = args.indexOf('--alongside');
const alongside = alongsideAt >= 0 ? args.splice(alongsideAt, 2)[1] : undefined;
// Options after the script names (`npm test -- --selectProjects sqlite`) go to that command.
const names = args.filter((arg) => !arg.startsWith('-'));
const passed = args.filter((arg) => arg.startsWith('-'));
if (passed.length && !alongside) throw new Error(`options ${passed.join(' ')} need --alongside`);
const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts;
const commands = names.flatMap((name) => {
  if (!scripts[name]) throw new Error(`no script ${name} in package.json`);
  return scripts[name].split(' && ').map((command) => command.trim());
});
const slots = alongside ? 1 : Math.max(1, Math.min(2, availableParallelism()));

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
const main = alongside
  ? new Promise((resolve) =>
      spawn([alongside, ...passed].join(' '), { shell: true, stdio: 'inherit' }).on('close', (code) => resolve(code === 0)),
    )
  : Promise.resolve(true);
await Promise.all(
  Array.from({ length: slots }, async () => {
    while (next < commands.length) if (!(await run(commands[next++]))) failed++;
  }),
);
if (!(await main)) failed++;
process.exit(failed ? 1 : 0);
