import { describe, expect, it } from '@jest/globals';
import { generateScenario, SCENARIOS } from '../../../scripts/scenarios';
import { NORMAL_FLAGS } from '../../../scripts/scenarios/chatbot';
import { closedLoopItems, scenarioItems } from '../../../scripts/scenarios/index';

const OPTIONS = { scale: 0.003, seed: 7, day: '2025-03-15' };

const drain = <T>(iterator: Iterator<T>): T[] => {
  const out: T[] = [];
  for (let next = iterator.next(); next.done !== true; next = iterator.next()) out.push(next.value);
  return out;
};

describe('a scenario with the chatbot in the loop', () => {
  it.each(Object.keys(SCENARIOS))('is %s itself while the flags stay normal', (name) => {
    const loop = drain(closedLoopItems(name, OPTIONS, () => NORMAL_FLAGS)).map((item) => item.line);

    expect(loop).toEqual([...generateScenario(name, OPTIONS)]);
  });

  it('sends the unprotected intents to Haiku under a Haiku floor (answers from the cache call no model)', () => {
    const floor = {
      mode: 'cost_saving' as const,
      degraded: false,
      modelTierFloor: 'haiku' as const,
      allowListedOnly: false,
    };
    const calls = drain(closedLoopItems('router-fallthrough', OPTIONS, () => floor)).flatMap((item) =>
      item.kind === 'event' && !item.line.cache_hit ? [item.line] : [],
    );
    const sonnet = calls.filter((l) => l.model_id.includes('sonnet'));

    expect(new Set(sonnet.map((l) => l.intent))).toEqual(new Set(['recommendation', 'checkout_help']));
  });

  it('makes no model call at the cap, telling of each refusal: no event, no retry, no bad line', () => {
    const cap = {
      mode: 'cap' as const,
      degraded: true,
      modelTierFloor: 'haiku' as const,
      allowListedOnly: true,
    };
    const refusedAt: number[] = [];
    const items = drain(
      closedLoopItems(
        'default-day',
        OPTIONS,
        () => cap,
        (at) => refusedAt.push(at),
      ),
    );
    const planned = [...scenarioItems('default-day', OPTIONS)].filter((item) => item.kind === 'event');

    expect(items).toEqual([]);
    expect(refusedAt).toEqual(planned.map((item) => item.emitAt));
  });
});
