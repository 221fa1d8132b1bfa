import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_NAMES, SPARSE_COUNTERS } from '../../core/aggregation/spend-items';
import type {
  SessionSnapshot,
  SessionSnapshotOutcome,
  SpendItemOutcome,
  SpendItemUpdate,
  SpendStore,
} from '../../core/ingest/ports';

/** Per-shard watermark attribute; top-level so the first write needs no parent map to exist. */
export const watermarkAttribute = (shardId: string): string => `wm#${shardId}`;

const rawString = (value: AttributeValue | undefined): string | undefined => value?.S;

// Positions are a Kinesis sequence number (at most 129 digits) plus a 5-digit event index. Padded to
// that width, string order is numeric order, which is what a DynamoDB condition compares.
const SEQUENCE_WIDTH = 134;
export const padSequence = (sequenceNumber: string): string => sequenceNumber.padStart(SEQUENCE_WIDTH, '0');
export const unpadSequence = (padded: string): string => padded.replace(/^0+(?=\d)/, '');

class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private count = 0;

  name(attribute: string): string {
    const placeholder = `#n${this.count++}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.count++}`;
    this.values[placeholder] = value;
    return placeholder;
  }
}

/**
 * SpendStore on DynamoDB: each update is a single conditional UpdateItem, so an item's counters (or a
 * session's snapshot) and its watermark move together or not at all. On a failed condition DynamoDB returns the item
 * (ReturnValuesOnConditionCheckFailure), which saves the read a retry needs.
 */
export class DynamoDbSpendStore implements SpendStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async applySpendItem(update: SpendItemUpdate): Promise<SpendItemOutcome> {
    const x = new ExpressionBuilder();
    const watermark = x.name(watermarkAttribute(update.shardId));
    const sets = [`${watermark} = ${x.value(padSequence(update.lastSequence))}`];
    for (const [label, value] of Object.entries(update.labels))
      sets.push(`${x.name(label)} = ${x.value(value)}`);
    const adds = COUNTER_NAMES.filter(
      (counter) => update.counters[counter] !== 0 || !SPARSE_COUNTERS.has(counter),
    ).map((counter) => `${x.name(counter)} ${x.value(update.counters[counter])}`);
    const condition =
      update.expectedWatermark === undefined
        ? `attribute_not_exists(${watermark}) OR ${watermark} < ${x.value(padSequence(update.firstSequence))}`
        : `${watermark} = ${x.value(padSequence(update.expectedWatermark))}`;
    const conflict = await this.conditionalUpdate(update.key, x, sets, adds, condition);
    if (conflict === undefined) return { kind: 'applied' };
    const current = rawString(conflict.item[watermarkAttribute(update.shardId)]);
    if (current === undefined) throw conflict.error;
    return { kind: 'behind_watermark', watermark: unpadSequence(current) };
  }

  async putSession(snapshot: SessionSnapshot): Promise<SessionSnapshotOutcome> {
    const x = new ExpressionBuilder();
    const watermark = x.name(watermarkAttribute(snapshot.shardId));
    const sets = [
      `${x.name('session_id')} = ${x.value(snapshot.sessionId)}`,
      `${x.name('intents')} = ${x.value(snapshot.intents)}`,
      `${x.name('cost_nano')} = ${x.value(snapshot.costNano)}`,
      `${x.name('events')} = ${x.value(snapshot.events)}`,
      `${x.name('last_event_at')} = ${x.value(snapshot.lastEventAt)}`,
      `${x.name('expires_at')} = ${x.value(snapshot.expiresAt)}`,
      `${watermark} = ${x.value(padSequence(snapshot.position))}`,
    ];
    const position = x.value(padSequence(snapshot.position));
    const condition = `attribute_not_exists(${watermark}) OR ${watermark} <= ${position}`;
    const conflict = await this.conditionalUpdate(snapshot.key, x, sets, [], condition);
    return conflict === undefined ? 'applied' : 'superseded';
  }

  /** One conditional UpdateItem; on a failed condition, the item as it stands instead of an error. */
  private async conditionalUpdate(
    key: SpendItemUpdate['key'],
    x: ExpressionBuilder,
    sets: string[],
    adds: string[],
    condition: string,
  ): Promise<{ item: Record<string, AttributeValue>; error: ConditionalCheckFailedException } | undefined> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}${adds.length === 0 ? '' : ` ADD ${adds.join(', ')}`}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: x.names,
          ExpressionAttributeValues: x.values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { item: error.Item ?? {}, error };
    }
  }
}
