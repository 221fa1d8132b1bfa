import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  ESCALATE_NOTIFIES,
  ESCALATE_PUBLISHES,
  RESTORE_CONTINUES,
  RESTORE_NOTIFIES,
} from '../../../scripts/lab/breaker-replay';

interface Choice {
  Variable: string;
  StringEquals: string;
  Next: string;
}
interface State {
  Type: string;
  Next?: string;
  Choices?: Choice[];
  Default?: string;
}

const statesOf = (workflow: string): Record<string, State> =>
  (
    JSON.parse(
      readFileSync(new URL(`../../../statemachines/${workflow}.asl.json`, import.meta.url), 'utf8'),
    ) as {
      States: Record<string, State>;
    }
  ).States;

/** The states an outcome can go through after the Choice, following Next and every branch of later Choices. */
const pathOf = (states: Record<string, State>, outcome: string): string[] => {
  const choice = states.WhatHappened?.Choices?.find((c) => c.StringEquals === outcome);
  const path: string[] = [];
  const next = (name: string): string[] => {
    const state = states[name];
    if (state?.Type === 'Choice')
      return [
        ...(state.Choices ?? []).map((c) => c.Next),
        ...(state.Default === undefined ? [] : [state.Default]),
      ];
    return state?.Next === undefined ? [] : [state.Next];
  };
  const pending = choice === undefined ? [] : [choice.Next];
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (path.includes(name)) continue;
    path.push(name);
    pending.push(...next(name));
  }
  return path;
};

describe('the replay runs the workflows as their state machines do', () => {
  it('escalate: publishes and notifies on the outcomes the Choice sends there', () => {
    const states = statesOf('escalate');
    const outcomes = (states.WhatHappened?.Choices ?? []).map((c) => c.StringEquals);

    expect(outcomes.filter((o) => pathOf(states, o).includes('PublishFlags'))).toEqual(ESCALATE_PUBLISHES);
    expect(outcomes.filter((o) => pathOf(states, o).includes('Notify'))).toEqual(ESCALATE_NOTIFIES);
  });

  it('restore: a step publishes, notifies and goes on; an abort notifies and ends', () => {
    const states = statesOf('restore');

    expect(pathOf(states, RESTORE_CONTINUES)).toEqual(
      expect.arrayContaining(['PublishFlags', 'Notify', 'WaitBeforeNextStep', 'NextStep']),
    );
    const notifying = (states.WhatHappened?.Choices ?? [])
      .map((c) => c.StringEquals)
      .filter((o) => pathOf(states, o).some((s) => s.startsWith('Notify')));
    expect(notifying).toEqual(RESTORE_NOTIFIES);
    expect(pathOf(states, 'aborted')).toEqual(['NotifyAborted']);
  });
});
