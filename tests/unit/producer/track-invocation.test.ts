import {
  type CostEventInput,
  type CostEventV2,
  type InvocationFields,
  PRODUCER_PRICE_TABLE,
  trackInvocation,
} from '../../../producer';

const fields: InvocationFields = {
  request_id: 'req-1',
  session_id: 'sess-1',
  intent: 'recommendation',
  model_id: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
  language: 'ja',
  region: 'us-east-1',
  producer: 'orchestrator@1.0.0',
};

/** A producer that only records what it was given, and a clock that advances 250 ms per read. */
const setup = () => {
  const emitted: CostEventInput[] = [];
  const producer = { put: async (event: CostEventInput) => void emitted.push(event) };
  let clock = 1_742_000_000_000;
  const options = { now: () => (clock += 250), eventId: () => 'evt-1' };
  return { emitted, producer, options };
};

describe('trackInvocation', () => {
  it('emits a v2 cost event with the recorded usage and the producer-side cost', async () => {
    // Prepare
    const { emitted, producer, options } = setup();

    // Act
    const answer = await trackInvocation(
      producer,
      fields,
      async (usage) => {
        usage.record({ inputTokens: 1_000, cacheReadTokens: 400 });
        usage.record({ outputTokens: 300 });
        return 'an answer';
      },
      options,
    );

    // Assess
    expect(answer).toBe('an answer');
    expect(emitted).toEqual<CostEventV2[]>([
      {
        schema_version: '2.0',
        event_id: 'evt-1',
        occurred_at: 1_742_000_000_500,
        request_id: 'req-1',
        session_id: 'sess-1',
        intent: 'recommendation',
        model_id: fields.model_id,
        component: 'llm',
        language: 'ja',
        input_tokens: 1_000,
        output_tokens: 300,
        cache_read_tokens: 400,
        cache_write_tokens: 0,
        cache_hit: false,
        region: 'us-east-1',
        latency_ms: 250,
        // (1,000 + 400 x 0.1) x $3/M + 300 x $15/M
        reported_cost_usd: 0.00762,
        price_table: PRODUCER_PRICE_TABLE.version,
        producer: 'orchestrator@1.0.0',
      },
    ]);
  });

  it('still emits the tokens used so far when the stream is aborted, and rethrows', async () => {
    // Prepare
    const { emitted, producer, options } = setup();
    const aborted = new DOMException('client went away', 'AbortError');

    // Act
    const call = trackInvocation(
      producer,
      fields,
      async (usage) => {
        usage.record({ inputTokens: 1_200 });
        usage.addOutputTokens(40);
        usage.addOutputTokens(35);
        throw aborted;
      },
      options,
    );

    // Assess
    await expect(call).rejects.toBe(aborted);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ input_tokens: 1_200, output_tokens: 75, reported_cost_usd: 0.004725 });
  });

  it('ignores counts that are not token counts and omits the cost of an unknown model', async () => {
    // Prepare
    const { emitted, producer, options } = setup();

    // Act
    await trackInvocation(
      producer,
      { ...fields, model_id: 'acme.unheard-of-v1:0', component: 'rerank' },
      async (usage) => {
        usage.record({ inputTokens: Number.NaN, outputTokens: -5, cacheWriteTokens: 12.7 });
      },
      options,
    );

    // Assess
    expect(emitted[0]).toMatchObject({
      component: 'rerank',
      input_tokens: 0,
      output_tokens: 0,
      cache_write_tokens: 12,
    });
    expect(emitted[0]).not.toHaveProperty('reported_cost_usd');
  });
});
