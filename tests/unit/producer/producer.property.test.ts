import fc from 'fast-check';
import { createCostEventProducer, type Ordering, type RejectedEvent } from '../../../producer';
import { fakeKinesis, parseSeq, serviceError, type TestEvent } from './fake-kinesis';

const CODES = ['ProvisionedThroughputExceededException', 'InternalFailure'] as const;

/** The fake's answers, consumed in order and cycled: per-record failure draws and request failures. */
const scriptArbitrary = fc.record({
  recordFailures: fc.array(fc.option(fc.constantFrom(...CODES), { freq: 2 }), {
    minLength: 1,
    maxLength: 64,
  }),
  requestFailures: fc.array(fc.constantFrom('ok', 'ok', 'ok', 'throttled', 'permanent'), {
    minLength: 1,
    maxLength: 16,
  }),
});

describe('producer delivery under random partial failures', () => {
  it('sends every event exactly once or counts it rejected, and keeps each session in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 300 }),
        scriptArbitrary,
        fc.record({
          maxAttempts: fc.integer({ min: 1, max: 4 }),
          maxInFlight: fc.integer({ min: 1, max: 4 }),
          maxRecordsPerRequest: fc.integer({ min: 1, max: 40 }),
          ordering: fc.constantFrom<Ordering>('strict', 'relaxed'),
        }),
        async (sessions, script, config) => {
          // Prepare
          let recordDraw = 0;
          const kinesis = fakeKinesis((records, request) => {
            const failure = script.requestFailures[request % script.requestFailures.length];
            if (failure === 'throttled') return serviceError('ProvisionedThroughputExceededException');
            if (failure === 'permanent') return serviceError('ValidationException');
            return records.map(
              () => script.recordFailures[recordDraw++ % script.recordFailures.length] ?? undefined,
            );
          });
          const rejected: RejectedEvent[] = [];
          const producer = createCostEventProducer({
            kinesis,
            streamName: 'ccb-test-cost-events',
            maxAttempts: config.maxAttempts,
            maxInFlight: config.maxInFlight,
            ordering: config.ordering,
            limits: { maxRecordsPerRequest: config.maxRecordsPerRequest },
            random: () => 0,
            sleep: async () => {},
            onRejected: (event) => rejected.push(event),
          });
          const input: TestEvent[] = sessions.map((session, seq) => ({ session_id: `sess-${session}`, seq }));

          // Act
          await producer.putMany(input);
          const stats = await producer.flush();

          // Assess: stored and rejected partition the input, with no duplicates
          const stored = kinesis.stored.map(parseSeq);
          const rejectedSeqs = rejected.map((entry) => (entry.event as TestEvent).seq);
          expect(new Set(stored).size).toBe(stored.length);
          expect([...stored, ...rejectedSeqs].sort((a, b) => a - b)).toEqual(input.map((event) => event.seq));
          expect(stats).toMatchObject({
            accepted: input.length,
            sent: stored.length,
            rejected: rejectedSeqs.length,
            pending: 0,
          });
          expect(rejected.every((entry) => entry.attempts <= config.maxAttempts)).toBe(true);

          // Assess: strict ordering means no session's stored records are out of order
          if (config.ordering === 'strict') {
            const lastSeq = new Map<string, number>();
            for (const record of kinesis.stored) {
              const seq = parseSeq(record);
              expect(seq).toBeGreaterThan(lastSeq.get(record.partitionKey) ?? -1);
              lastSeq.set(record.partitionKey, seq);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
