import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { localResources } from '../../../scripts/lib/stack-context';
import {
  loadTableDefinitions,
  localTableName,
  tableEnvironmentVariable,
} from '../../../scripts/local/provision';

describe('local table provisioning', () => {
  it('creates the tables of resources/dynamodb.yml under their local names, with their TTL attribute', async () => {
    const tables = await loadTableDefinitions(localResources());

    expect(tables.map((table) => [table.key, table.input.TableName, table.ttlAttribute])).toEqual(
      expect.arrayContaining([
        ['spendTable', 'ccb-local-spend', 'expires_at'],
        ['quarantineTable', 'ccb-local-quarantine', 'expires_at'],
      ]),
    );
    const spend = tables.find((table) => table.key === 'spendTable');
    expect(spend?.input).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(spend?.input).not.toHaveProperty('SSESpecification');
  });

  it('names a table the local resources do not know the way serverless.yml would', () => {
    expect(localTableName('transitionLedgerTable', localResources())).toBe('ccb-local-transition-ledger');
    expect(tableEnvironmentVariable('transitionLedgerTable')).toBe('TRANSITION_LEDGER_TABLE_NAME');
    expect(tableEnvironmentVariable('spendTable')).toBe('SPEND_TABLE_NAME');
  });

  it('refuses a table name that is not a custom.names reference', async () => {
    const home = await mkdtemp(join(tmpdir(), 'ccb-tables-'));
    try {
      const file = join(home, 'tables.yml');
      await writeFile(
        file,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless variable, not a JS placeholder
        'Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: ${self:provider.stage}-t\n',
      );

      await expect(loadTableDefinitions(localResources(), { file })).rejects.toThrow(/custom\.names/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
