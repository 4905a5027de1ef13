import { CliUsageError } from './cli-errors.js';
import { connectionOptions, parseCommandArgs, printable, stringList } from './cli-arguments.js';

const SPECS = {
  owner: { type: 'string' as const },
  permission: { type: 'string' as const, multiple: true },
  json: { type: 'boolean' as const },
};

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseCommandArgs', () => {
  it('parses strings, repeated options and booleans', () => {
    const { values } = parseCommandArgs('create-key', ['--owner', 'ops', '--permission', 'a:b', '--permission=c:d', '--json'], SPECS, {
      max: 0,
    });
    expect(values).toEqual({ owner: 'ops', permission: ['a:b', 'c:d'], json: true });
    expect(stringList(values, 'permission')).toEqual(['a:b', 'c:d']);
    expect(stringList({}, 'permission')).toEqual([]);
  });

  it('takes a value that starts with a dash only in the --flag=value form', () => {
    expect(parseCommandArgs('x', ['--owner=-ops'], SPECS, { max: 0 }).values.owner).toBe('-ops');
    expect(usageError(() => parseCommandArgs('x', ['--owner', '-ops'], SPECS, { max: 0 }))).toMatch(
      /^--owner needs a value \(to pass one that starts with a dash/,
    );
  });

  it.each([
    [['--nope'], "unknown option '--nope'"],
    [['--owner'], '--owner needs a value'],
    [['--json=1'], '--json does not take a value'],
    [['--owner', 'a', '--owner', 'b'], '--owner is given more than once'],
    [['--owner=a', '--owner', 'a'], '--owner is given more than once'],
    [['stray'], "unexpected argument 'stray'"],
  ])('%j is a usage error: %s', (args, message) => {
    expect(usageError(() => parseCommandArgs('x', args, SPECS, { max: 0 }))).toBe(message);
  });

  it('allows up to max positionals', () => {
    expect(parseCommandArgs('x', ['id-1', '--json'], SPECS, { max: 1 }).positionals).toEqual(['id-1']);
    expect(usageError(() => parseCommandArgs('x', ['id-1', 'id-2'], SPECS, { max: 1 }))).toBe("unexpected argument 'id-2'");
  });
});

describe('connectionOptions', () => {
  it('requires --data-source and defaults --timeout to 10s', () => {
    expect(connectionOptions({ 'data-source': 'ds.js' }, 'x')).toEqual({
      dataSourceFile: 'ds.js',
      optionsFile: undefined,
      timeoutMs: 10_000,
      verbose: false,
    });
    expect(usageError(() => connectionOptions({}, 'x'))).toBe('--data-source <value> is required');
    expect(usageError(() => connectionOptions({ 'data-source': '  ' }, 'x'))).toBe('--data-source <value> is required');
    expect(usageError(() => connectionOptions({ 'data-source': 'ds.js', timeout: '5' }, 'x'))).toMatch(/^--timeout '5' is not a duration/);
  });
});

describe('printable', () => {
  it('escapes control characters and cuts long values', () => {
    expect(printable('a\u001b[31m\nb\u009b')).toBe('a\\u001b[31m\\u000ab\\u009b');
    expect(printable('x'.repeat(200))).toBe(`${'x'.repeat(80)}…`);
  });
});
