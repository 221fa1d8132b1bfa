import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { formatUsd } from '../../functions/core/money';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { breakDownSpend } from '../../functions/core/reporting/spend-breakdown';
import { renderSpend } from '../ccb/commands/spend';
import { readAlerts } from '../lib/readers/published-alerts';
import type { StackState } from '../lib/stack-context';
import type { StageContext } from '../lib/stage';
import { generateScenario, type ScenarioLine } from '../scenarios';
import { expectedTotals } from '../scenarios/expected-totals';

/** A recent day, far from the story's, so its budget day and restore are its own. */
export const CURRENT_MODELS_DAY = '2026-11-20';
/** About 1,000 calls: enough for every id form and the uncatalogued model, a few seconds to replay. */
const CURRENT_MODELS_SCALE = 0.002;
/**
 * Scenario ids come from the seed, not the day: with the story's seed, calls would repeat the story's
 * (session, event) ids and, arriving within the dedupe horizon, be taken for producer retries.
 */
const CURRENT_MODELS_SEED = 2026;

/**
 * The demo's coda: the same day migrated to the models teams run today, replayed through the same
 * stack, to show that every call is counted (known models at list price, the rest at a ceiling,
 * flagged) and FinOps hears once about the model the catalog does not know.
 */
export const showCurrentModels = async (
  state: StackState,
  context: StageContext,
  replay: (lines: ScenarioLine[]) => Promise<void>,
): Promise<boolean> => {
  const day = CURRENT_MODELS_DAY;
  const lines = [
    ...generateScenario('current-models', { day, scale: CURRENT_MODELS_SCALE, seed: CURRENT_MODELS_SEED }),
  ];
  await replay(lines);
  const rows = await new DynamoDbSpendReader(context.dynamodb, state.spendTable).hourly(day);
  const breakdown = breakDownSpend(day, rows, 'model');
  const expected = expectedTotals(lines);
  console.log(
    `\nToday's models: ${day} replayed on Sonnet 4.5/4, Haiku 4.5 and Nova through global., us., eu., au., jp. and in-region ids\n` +
      `(scale ${CURRENT_MODELS_SCALE}, price catalog ${DEFAULT_PRICE_TABLE.version}; \`npx ccb prices\` lists it, \`npx ccb price --model ID ...\` prices one call)\n`,
  );
  console.log(renderSpend(breakdown, 'model'));
  const unpriced = (await readAlerts(state.home ?? '', state.alertsTopicArn)).filter(
    (a) => a.check === 'unpriced_model',
  );
  for (const alert of unpriced) console.log(`alert to FinOps: ${alert.subject}`);
  const exact = breakdown.total_nano === expected.costNano && breakdown.events === expected.events;
  console.log(
    exact
      ? `Every call counted: $${formatUsd(breakdown.total_nano, 4)} over ${breakdown.events} events, none dropped for its price.`
      : `Stored spend differs from this replay: the day also holds events from other runs (--keep).`,
  );
  return exact;
};
