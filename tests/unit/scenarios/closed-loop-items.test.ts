import { describe, expect, it } from '@jest/globals';
import { generateScenario, SCENARIOS } from '../../../scripts/scenarios';
import { NORMAL_FLAGS, TOKEN_BUDGETS } from '../../../scripts/scenarios/chatbot';
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
      strictTokenBudgets: true,
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
      strictTokenBudgets: true,
    };
    const refusedAt: number[] = [];
    const items = drain(
      closedLoopItems('default-day', OPTIONS, () => cap, { refused: (at) => refusedAt.push(at) }),
    );
    const planned = [...scenarioItems('default-day', OPTIONS)].filter((item) => item.kind === 'event');

    expect(items).toEqual([]);
    expect(refusedAt).toEqual(planned.map((item) => item.emitAt));
  });

  it('leaves every ordinary call as it is under strict token budgets: the budgets only cut what an incident inflated', () => {
    const strict = { ...NORMAL_FLAGS, strictTokenBudgets: true };
    const clipped: number[] = [];
    const loop = drain(
      closedLoopItems('default-day', OPTIONS, () => strict, { clipped: (at) => clipped.push(at) }),
    ).map((item) => item.line);

    expect(clipped).toEqual([]);
    expect(loop).toEqual([...generateScenario('default-day', OPTIONS)]);
  });

  it('holds the protected-intent runaway to its budget under strict token budgets, keeping it on Sonnet', () => {
    const strict = { ...NORMAL_FLAGS, strictTokenBudgets: true };
    let clipped = 0;
    const calls = drain(
      closedLoopItems('protected-runaway', OPTIONS, () => strict, {
        clipped: () => {
          clipped += 1;
        },
      }),
    ).flatMap((item) => (item.kind === 'event' && item.line.intent === 'recommendation' ? [item.line] : []));
    const budget = TOKEN_BUDGETS.recommendation;
    const prompt = (l: (typeof calls)[number]) =>
      l.input_tokens + ('cache_read_tokens' in l ? l.cache_read_tokens + l.cache_write_tokens : 0);
    const open = [...scenarioItems('protected-runaway', OPTIONS)].filter(
      (item) => item.kind === 'event' && item.line.intent === 'recommendation',
    );

    expect(budget).toEqual({ maxPrompt: 2_500, maxOutput: 563 });
    expect(clipped).toBeGreaterThan(0);
    expect(calls.length).toBe(open.length);
    expect(calls.every((l) => l.model_id.includes('sonnet'))).toBe(true);
    expect(Math.max(...calls.map(prompt))).toBeLessThanOrEqual(2_500);
  });
});
