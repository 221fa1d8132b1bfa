import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DescribeStatementCommand, ExecuteStatementCommand } from '@aws-sdk/client-redshift-data';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, NotFoundException, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  localRedshiftDataClient,
  localSfnClient,
  localSnsClient,
  localSsmClient,
} from '../../scripts/lib/local-clients';
import { stateMachineArn } from '../../scripts/lib/stack-context';
import { awsStandInPaths } from '../../scripts/local/aws/server';
import { createSfnService } from '../../scripts/local/aws/sfn';
import { readPublishedMessages } from '../../scripts/local/aws/sns';
import {
  awsStandInsHealthy,
  type RunningEmulator,
  startAwsStandIns,
  waitUntilHealthy,
} from '../../scripts/local/emulators';
import { projectRoot } from '../../scripts/local/paths';
import { isAlive, terminate, waitForExit } from '../../scripts/local/processes';

const FIXTURES = join(projectRoot, 'tests', 'fixtures', 'statemachines');
const STAGE = 'it';
const WAIT_SCALE = 0.001;

/**
 * The SSM, Step Functions and SNS stand-ins as the local stack runs them (a child process), driven
 * through the real AWS SDK v3 clients: wire protocols, error shapes, execution semantics and state
 * that survives a kill -9.
 */
describe('local AWS stand-ins', () => {
  let home = '';
  let server: RunningEmulator | undefined;
  let ssm: SSMClient;
  let sfn: SFNClient;
  let sns: SNSClient;

  const start = async () => {
    server = await startAwsStandIns({
      config: {
        home,
        stage: STAGE,
        stateMachinesDir: FIXTURES,
        functionsDir: join(FIXTURES, 'functions'),
        waitScale: WAIT_SCALE,
        retryIntervalMs: 10,
      },
      logPath: join(home, 'aws.log'),
      env: process.env,
    });
    await waitUntilHealthy(server, awsStandInsHealthy, 30_000);
    const state = {
      region: 'us-east-1',
      endpoints: {
        kinesis: '',
        dynamodb: '',
        ssm: server.endpoint,
        sfn: server.endpoint,
        sns: server.endpoint,
      },
    };
    ssm = localSsmClient(state);
    sfn = localSfnClient(state);
    sns = localSnsClient(state);
    await warehouseOpened(state);
  };

  /**
   * Once it answers /health the server opens the local warehouse, which keeps it from answering for
   * seconds (tens on a busy machine); a Data API statement that has run shows that work is behind it,
   * so no test below spends its own timeout on it.
   */
  const warehouseOpened = async (state: Parameters<typeof localRedshiftDataClient>[0]) => {
    const client = localRedshiftDataClient(state);
    try {
      const { Id } = await client.send(
        new ExecuteStatementCommand({ Sql: 'SELECT 1', Database: 'ccb', WorkgroupName: 'ccb-it' }),
      );
      for (const deadline = Date.now() + 90_000; ; ) {
        const { Status, Error: error } = await client.send(new DescribeStatementCommand({ Id }));
        if (Status === 'FINISHED') return;
        if (Status === 'FAILED' || Status === 'ABORTED')
          throw new Error(`the warehouse did not open: ${error}`);
        if (Date.now() > deadline) throw new Error('the local warehouse did not open within 90 s');
        await delay(100);
      }
    } finally {
      client.destroy();
    }
  };

  const destroyClients = () => {
    for (const client of [ssm, sfn, sns]) client?.destroy();
  };

  const arn = (name: string) => stateMachineArn(STAGE, name);

  const run = (machine: string, name: string, input: unknown) =>
    sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn(machine), name, input: JSON.stringify(input) }),
    );

  const finished = async (
    executionArn: string,
    timeoutMs = 15_000,
  ): Promise<DescribeExecutionCommandOutput> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status !== 'RUNNING') return execution;
      if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
      await delay(50);
    }
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-aws-'));
    await start();
  }, 150_000);

  afterAll(async () => {
    destroyClients();
    if (server !== undefined && isAlive(server.pid)) await terminate(server.pid, { graceMs: 3_000 });
    await rm(home, { recursive: true, force: true });
  });

  describe('SSM', () => {
    it('puts parameters and reads them back by path, recursively or one level, page by page', async () => {
      // Prepare
      for (const [name, value] of [
        ['/ccb/it/breaker_mode', 'normal'],
        ['/ccb/it/degradation_active', 'false'],
        ['/ccb/it/model_tier_floor', 'none'],
        ['/ccb/it/nested/deeper', 'x'],
        ['/ccb/other/breaker_mode', 'cap'],
      ]) {
        await ssm.send(
          new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }),
        );
      }

      // Act
      const oneLevel = await ssm.send(new GetParametersByPathCommand({ Path: '/ccb/it/' }));
      const first = await ssm.send(
        new GetParametersByPathCommand({ Path: '/ccb/it', Recursive: true, MaxResults: 3 }),
      );
      const second = await ssm.send(
        new GetParametersByPathCommand({
          Path: '/ccb/it',
          Recursive: true,
          MaxResults: 3,
          NextToken: first.NextToken,
        }),
      );

      // Assess
      expect(oneLevel.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
        ['/ccb/it/breaker_mode', 'normal'],
        ['/ccb/it/degradation_active', 'false'],
        ['/ccb/it/model_tier_floor', 'none'],
      ]);
      expect(first.Parameters).toHaveLength(3);
      expect(first.NextToken).toEqual(expect.any(String));
      expect(second.Parameters?.map((p) => p.Name)).toEqual(['/ccb/it/nested/deeper']);
      expect(second.NextToken).toBeUndefined();
      expect(oneLevel.Parameters?.[0]).toMatchObject({
        Type: 'String',
        Version: 1,
        ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/ccb/it/breaker_mode',
        LastModifiedDate: expect.any(Date),
      });
    });

    it('refuses to overwrite unless asked, and keeps each version with its description and user', async () => {
      const name = '/ccb/it/suspend_scale_in';
      await ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: 'false',
          Type: 'String',
          Description: 'execution=a reason=first',
        }),
      );

      await expect(
        ssm.send(new PutParameterCommand({ Name: name, Value: 'true', Type: 'String' })),
      ).rejects.toBeInstanceOf(ParameterAlreadyExists);
      const put = await ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: 'true',
          Type: 'String',
          Overwrite: true,
          Description: 'execution=b reason=second',
        }),
      );
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: name }));
      const current = await ssm.send(new GetParameterCommand({ Name: name }));

      expect(put.Version).toBe(2);
      expect(current.Parameter).toMatchObject({ Value: 'true', Version: 2 });
      expect(history.Parameters?.map((p) => [p.Version, p.Value, p.Description, p.LastModifiedUser])).toEqual(
        [
          [1, 'false', 'execution=a reason=first', 'arn:aws:iam::000000000000:user/local'],
          [2, 'true', 'execution=b reason=second', 'arn:aws:iam::000000000000:user/local'],
        ],
      );
    });

    it('raises ParameterNotFound for an unknown name and lists unknown names as InvalidParameters', async () => {
      await expect(ssm.send(new GetParameterCommand({ Name: '/ccb/it/nope' }))).rejects.toBeInstanceOf(
        ParameterNotFound,
      );
      await expect(ssm.send(new GetParameterHistoryCommand({ Name: '/ccb/it/nope' }))).rejects.toBeInstanceOf(
        ParameterNotFound,
      );

      const both = await ssm.send(
        new GetParametersCommand({ Names: ['/ccb/it/breaker_mode', '/ccb/it/nope'] }),
      );

      expect(both.Parameters?.map((p) => p.Name)).toEqual(['/ccb/it/breaker_mode']);
      expect(both.InvalidParameters).toEqual(['/ccb/it/nope']);
    });
  });

  describe('Step Functions', () => {
    it('retries a task that throws TransientError, with the retry interval overridden, until it succeeds', async () => {
      // The fixture's IntervalSeconds is 30 with backoff 2: two retries would take 90 s unless overridden.
      const { executionArn } = await run('retry', 'retry-then-succeed', { key: 'a', fail_times: 2 });

      const execution = await finished(executionArn ?? '', 5_000);

      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output ?? '{}')).toMatchObject({
        result: { attempts: 3, function_name: 'ccb-it-flaky' },
      });
    });

    it('catches what its retries cannot fix and fails the execution with the Fail state error', async () => {
      const { executionArn } = await run('retry', 'retry-exhausted', { key: 'b', fail_times: 10 });

      const execution = await finished(executionArn ?? '');

      expect(execution).toMatchObject({ status: 'FAILED', error: 'GaveUp', cause: 'the task kept failing' });
    });

    it("hands a thrown error's name and a Lambda-shaped cause to Catch's ResultPath", async () => {
      const { executionArn } = await run('catch', 'caught', { field: 'ttl_minutes' });

      const execution = await finished(executionArn ?? '');

      expect(execution.status).toBe('SUCCEEDED');
      const output = JSON.parse(execution.output ?? '{}') as { error: { Error: string; Cause: string } };
      expect(output.error.Error).toBe('InvalidOverrideRequest');
      expect(JSON.parse(output.error.Cause)).toMatchObject({
        errorType: 'InvalidOverrideRequest',
        errorMessage: 'ttl_minutes: must be at most 1440',
      });
      expect(output).toMatchObject({ recorded: { field: 'ttl_minutes' } });
    });

    it('fails a task whose function module does not exist as Lambda.ResourceNotFoundException', async () => {
      const { executionArn } = await run('missing-function', 'nowhere', {});

      const execution = await finished(executionArn ?? '');

      expect(execution).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
    });

    it("runs a 30-minute SecondsPath wait to the end at the stack's wait scale", async () => {
      const { executionArn } = await run('wait', 'short-ttl', { ttl_seconds: 1800 });

      // Scaled, it is a 1.8 s wait; unscaled it would outlast this bound by far (the exact scaled time
      // is checked below, on a recorded sleep).
      const execution = await finished(executionArn ?? '', 45_000);

      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output ?? '{}')).toMatchObject({
        ttl_seconds: 1800,
        echoed_at: expect.any(String),
      });
    }, 60_000);

    it('treats the execution name as an idempotency key, as Step Functions does', async () => {
      const input = { ttl_seconds: 100_000 };
      const first = await run('wait', 'trigger-1', input);

      const again = await run('wait', 'trigger-1', input);
      const conflicting = run('wait', 'trigger-1', { ttl_seconds: 1 });

      expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
      await expect(conflicting).rejects.toBeInstanceOf(ExecutionAlreadyExists);
      // Once it is closed, even the same input is a conflict.
      await sfn.send(
        new StopExecutionCommand({ executionArn: first.executionArn, error: 'Test', cause: 'stopped' }),
      );
      await expect(run('wait', 'trigger-1', input)).rejects.toBeInstanceOf(ExecutionAlreadyExists);
      expect(
        await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn })),
      ).toMatchObject({
        status: 'ABORTED',
        error: 'Test',
        cause: 'stopped',
      });
    });

    it('lists executions newest first, filtered by status and page by page', async () => {
      const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn('retry') }));
      const failed = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: arn('retry'), statusFilter: 'FAILED' }),
      );
      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: arn('retry'), maxResults: 1 }),
      );
      const next = await sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: arn('retry'),
          maxResults: 1,
          nextToken: page.nextToken,
        }),
      );

      expect(all.executions?.map((e) => e.name)).toEqual(['retry-exhausted', 'retry-then-succeed']);
      expect(failed.executions?.map((e) => e.name)).toEqual(['retry-exhausted']);
      expect([...(page.executions ?? []), ...(next.executions ?? [])].map((e) => e.name)).toEqual([
        'retry-exhausted',
        'retry-then-succeed',
      ]);
      expect(next.nextToken).toBeUndefined();
    });

    it('raises StateMachineDoesNotExist for an ARN with no definition file', async () => {
      await expect(run('nope', 'x', {})).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    });
  });

  describe('SNS', () => {
    it('publishes with subject and attributes, all kept in the messages file', async () => {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ccb-it-alerts' }));

      const { MessageId } = await sns.send(
        new PublishCommand({
          TopicArn,
          Subject: 'Breaker escalated to cost_saving',
          Message: JSON.stringify({ mode: 'cost_saving', line: 'spend at 85% of the cap' }),
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: 'warning' },
            level: { DataType: 'Number', StringValue: '2' },
          },
        }),
      );

      const messages = await readPublishedMessages(awsStandInPaths(home).snsMessages);
      expect(messages).toEqual([
        {
          messageId: MessageId,
          topicArn: 'arn:aws:sns:us-east-1:000000000000:ccb-it-alerts',
          subject: 'Breaker escalated to cost_saving',
          message: '{"mode":"cost_saving","line":"spend at 85% of the cap"}',
          messageAttributes: {
            severity: { DataType: 'String', StringValue: 'warning' },
            level: { DataType: 'Number', StringValue: '2' },
          },
          timestamp: expect.any(String),
        },
      ]);
    });

    it('raises NotFound for a topic that does not exist', async () => {
      await expect(
        sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Message: 'x' })),
      ).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe('after kill -9', () => {
    it('keeps parameters, executions and messages, and fails the executions that were running', async () => {
      // Prepare
      const { executionArn: interrupted } = await run('wait', 'interrupted', { ttl_seconds: 100_000 });
      // Succeeded before the kill, in the retry test above.
      const succeeded = `${arn('retry').replace(':stateMachine:', ':execution:')}:retry-then-succeed`;
      if (server === undefined) throw new Error('the stand-ins did not start');
      const pid = server.pid;

      // Act
      process.kill(pid, 'SIGKILL');
      expect(await waitForExit(pid, 30_000)).toBe(true);
      destroyClients();
      await start();

      // Assess
      expect(server.pid).not.toBe(pid);
      expect(await sfn.send(new DescribeExecutionCommand({ executionArn: interrupted }))).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: 'local stack restarted',
        stopDate: expect.any(Date),
      });
      expect((await sfn.send(new DescribeExecutionCommand({ executionArn: succeeded }))).status).toBe(
        'SUCCEEDED',
      );
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/ccb/it/suspend_scale_in' }));
      expect(history.Parameters?.map((p) => p.Description)).toEqual([
        'execution=a reason=first',
        'execution=b reason=second',
      ]);
      expect(await readPublishedMessages(awsStandInPaths(home).snsMessages)).toHaveLength(1);
      await expect(
        sns.send(
          new PublishCommand({
            TopicArn: 'arn:aws:sns:us-east-1:000000000000:ccb-it-alerts',
            Message: 'again',
          }),
        ),
      ).resolves.toMatchObject({ MessageId: expect.any(String) });
    }, 150_000);
  });
});

/** The Step Functions stand-in in this process, with the sleep of its scaled waits recorded instead of timed. */
describe('the Step Functions stand-in, with a recorded sleep', () => {
  let home = '';

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-sfn-'));
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('scales a Wait state: a 30-minute SecondsPath wait sleeps 1.8 s at scale 0.001, and holds the execution until it ends', async () => {
    // Prepare
    const sleeps: number[] = [];
    let wake = () => {};
    let slept = () => {};
    const asleep = new Promise<void>((resolve) => {
      slept = resolve;
    });
    const service = await createSfnService({
      dataDir: join(home, 'sfn'),
      stage: STAGE,
      region: 'us-east-1',
      accountId: '000000000000',
      stateMachinesDir: FIXTURES,
      functionsDir: join(FIXTURES, 'functions'),
      waitScale: WAIT_SCALE,
      sleep: (ms) => {
        sleeps.push(ms);
        slept();
        return new Promise<void>((resolve) => {
          wake = resolve;
        });
      },
    });
    const describe = async (executionArn: string) =>
      (await service.handle('DescribeExecution', { executionArn })) as { status: string; output?: string };

    try {
      // Act
      const { executionArn } = (await service.handle('StartExecution', {
        stateMachineArn: stateMachineArn(STAGE, 'wait'),
        name: 'recorded',
        input: JSON.stringify({ ttl_seconds: 1800 }),
      })) as { executionArn: string };
      await asleep;
      const whileAsleep = await describe(executionArn);
      wake();
      let execution = await describe(executionArn);
      for (const deadline = Date.now() + 20_000; execution.status === 'RUNNING'; ) {
        if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after its wait ended`);
        await delay(20);
        execution = await describe(executionArn);
      }

      // Assess
      expect(sleeps).toEqual([1_800]);
      expect(whileAsleep.status).toBe('RUNNING');
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output ?? '{}')).toMatchObject({ ttl_seconds: 1800 });
    } finally {
      await service.close();
    }
  }, 60_000);
});
