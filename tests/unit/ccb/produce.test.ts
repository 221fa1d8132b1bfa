import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  type ProduceDependencies,
  RecordsRejectedError,
  registerProduce,
} from '../../../scripts/ccb/commands/produce';
import { countLines, readNdjsonLines } from '../../../scripts/lib/ndjson-lines';
import { produceEvents } from '../../../scripts/lib/produce-events';
import { scenarioLineCount } from '../../../scripts/scenarios';
import { type Decide, fakeKinesis } from '../producer/fake-kinesis';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ccb-produce-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ndjson = async (name: string, text: string): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

const collect = async (lines: AsyncIterable<string>): Promise<string[]> => {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
};

/** Runs `ccb produce ...` against a fake stream and captures what it prints. */
const run = async (args: string[], decide?: Decide) => {
  const kinesis = fakeKinesis(decide);
  let closed = false;
  const stdout: string[] = [];
  const stderr: string[] = [];
  const dependencies: ProduceDependencies = {
    target: async (stage) => ({
      kinesis,
      streamName: `ccb-${stage}-cost-events`,
      close: () => (closed = true),
    }),
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text), isTTY: false },
  };
  const program = new Command('ccb')
    .exitOverride()
    .configureOutput({ writeErr: (text) => stderr.push(text) });
  registerProduce(program, dependencies);
  const result = program.parseAsync(['node', 'ccb', 'produce', ...args]).then(
    () => undefined,
    (error: unknown) => error,
  );
  const error = await result;
  return { kinesis, stdout: stdout.join(''), stderr: stderr.join(''), error, closed: () => closed };
};

describe('readNdjsonLines', () => {
  it('streams every non-blank line as written, JSON or not, CRLF included', async () => {
    const path = await ndjson('mixed.ndjson', '{"session_id":"s1"}\r\n\n   \nnot json\n{"session_id":"s2"}');

    expect(await collect(readNdjsonLines(path))).toEqual([
      '{"session_id":"s1"}',
      'not json',
      '{"session_id":"s2"}',
    ]);
    expect(await countLines(path)).toBe(5);
  });
});

describe('produceEvents', () => {
  it('sends a source and summarises sent, rejected, retries and throughput', async () => {
    // Prepare: the first request throttles its first record
    const kinesis = fakeKinesis((records, request) =>
      records.map((_, index) => (request === 0 && index === 0 ? 'InternalFailure' : undefined)),
    );
    let reads = 0;

    // Act
    const summary = await produceEvents(
      [{ session_id: 's1', n: 1 }, 'not json', { session_id: 's2', n: 2 }],
      {
        kinesis,
        streamName: 'stream',
        maxInFlight: 1,
        lingerMs: 60_000,
        pack: false,
        sleep: async () => {},
        now: () => (reads++ === 0 ? 1_000 : 1_500),
      },
    );

    // Assess
    expect(summary).toEqual({
      events: 3,
      sent: 3,
      rejected: 0,
      retries: 1,
      batches: 2,
      bytes: expect.any(Number),
      elapsedMs: 500,
      eventsPerSecond: 6,
      rejectedByReason: {},
    });
    expect(kinesis.stored.map((record) => record.data)).toContain('not json');
  });

  it('flushes what it read before rethrowing a failing source', async () => {
    // Prepare
    const kinesis = fakeKinesis();
    async function* failing() {
      yield { session_id: 's1' };
      throw new Error('disk gone');
    }

    // Act
    const producing = produceEvents(failing(), { kinesis, streamName: 'stream', pack: false });

    // Assess
    await expect(producing).rejects.toThrow('disk gone');
    expect(kinesis.stored).toHaveLength(1);
  });
});

describe('ccb produce', () => {
  it('sends a file to the local stream and prints a summary', async () => {
    const path = await ndjson(
      'events.ndjson',
      '{"session_id":"s1","n":1}\n\n{"session_id":"s1","n":2}\nnot json\n',
    );

    const { kinesis, stdout, error, closed } = await run(['--file', path, '--no-pack']);

    expect(error).toBeUndefined();
    const stored = kinesis.stored.map((record) => record.data);
    expect([...stored].sort()).toEqual([
      'not json',
      '{"session_id":"s1","n":1}',
      '{"session_id":"s1","n":2}',
    ]);
    expect(stored.indexOf('{"session_id":"s1","n":1}')).toBeLessThan(
      stored.indexOf('{"session_id":"s1","n":2}'),
    );
    expect(stdout).toMatch(
      /^sent 3 events in 3 records to ccb-local-cost-events in \d+\.\d s \([\d,]+ events\/s\): rejected 0, retries 0, \d+ PutRecords requests\n$/,
    );
    expect(closed()).toBe(true);
  });

  it('still takes --no-aggregate, the old name of --no-pack', async () => {
    const path = await ndjson('old-flag.ndjson', '{"session_id":"s1","n":1}\n{"session_id":"s1","n":2}\n');

    const { kinesis, error } = await run(['--file', path, '--no-aggregate']);

    expect(error).toBeUndefined();
    expect(kinesis.stored.map((record) => record.data)).toEqual([
      '{"session_id":"s1","n":1}',
      '{"session_id":"s1","n":2}',
    ]);
  });

  it('sends a scenario and prints the summary as JSON', async () => {
    const { kinesis, stdout, error } = await run([
      '--scenario',
      'default-day',
      '--scale',
      '0.001',
      '--seed',
      '9',
      '--stage',
      'dev',
      '--ordering',
      'relaxed',
      '--json',
    ]);

    expect(error).toBeUndefined();
    const expectedLines = scenarioLineCount('default-day', { scale: 0.001, seed: 9 });
    const storedLines = kinesis.stored.flatMap((record) => record.data.split('\n'));
    expect(storedLines).toHaveLength(expectedLines);
    expect(kinesis.stored.length).toBeLessThan(expectedLines / 5);
    expect(JSON.parse(stdout)).toMatchObject({
      stage: 'dev',
      stream: 'ccb-dev-cost-events',
      scenario: 'default-day',
      scale: 0.001,
      seed: 9,
      events: expectedLines,
      sent: kinesis.stored.length,
      rejected: 0,
    });
  });

  it('fails with the reasons when any record is rejected', async () => {
    const path = await ndjson('rejected.ndjson', '{"session_id":"s1"}\n');

    const { error, stdout } = await run(['--file', path, '--json'], (records) =>
      records.map(() => 'KMSAccessDeniedException'),
    );

    expect(error).toBeInstanceOf(RecordsRejectedError);
    expect((error as Error).message).toBe('1 record(s) rejected: KMSAccessDeniedException x1');
    expect(JSON.parse(stdout)).toMatchObject({ sent: 0, rejected: 1 });
  });

  it.each([
    [[], /--file <path> or --scenario <name>/],
    [['--file', 'x.ndjson', '--scale', '2'], /apply to --scenario only/],
    [['--scenario', 'default-day', '--day', '2025-13-01'], /--day must be a calendar day/],
    [['--scenario', 'tuesday'], /Allowed choices are default-day/],
    [['--scenario', 'default-day', '--scale', '-1'], /expected a number > 0/],
    [['--scenario', 'default-day', '--ordering', 'loose'], /Allowed choices are strict, relaxed/],
  ])('refuses %j before sending anything', async (args, message) => {
    const { error, kinesis, stderr } = await run(args);

    expect(`${(error as Error | undefined)?.message ?? ''}${stderr}`).toMatch(message);
    expect(kinesis.requests).toHaveLength(0);
  });
});
