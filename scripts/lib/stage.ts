import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { paginateListStateMachines, SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Workflow } from '../../functions/core/breaker/ports';
import { once } from '../../functions/shared/once';
import {
  localCloudWatchClient,
  localDynamoDbClient,
  localIamClient,
  localSfnClient,
  localSnsClient,
  localSsmClient,
} from './local-clients';
import { localResources, readStackState, type StackResources, stackHome } from './stack-context';

/** What a command needs to talk to one deployment: the local stack or an AWS stage. */
export interface StageContext {
  stage: string;
  resources: StackResources;
  dynamodb: DynamoDBDocumentClient;
  /** Clients of the breaker's services, made on first use (most commands need none of them). */
  ssm(): SSMClient;
  sfn(): SFNClient;
  sns(): SNSClient;
  cloudwatch(): CloudWatchClient;
  iam(): IAMClient;
  /**
   * The roles the cap denies model calls to: the local stack's, from its state; unknown offline for an
   * AWS stage (the deploy parameter), so commands take them as an option there.
   */
  capEnforcementRoles?: string[];
  /** The ARN of a breaker state machine (on AWS looked up by name: the account is not known offline). */
  stateMachineArn(workflow: Workflow): Promise<string>;
  /** The local stack's folder; undefined for an AWS stage. */
  home?: string;
}

/**
 * `local` reads the endpoints from the running stack; any other stage uses the AWS SDK's default
 * credential chain and the names serverless.yml gives that stage.
 */
export const openStage = async (stage: string): Promise<StageContext> => {
  if (stage === 'local') {
    const state = await readStackState();
    return {
      stage,
      resources: { ...localResources('local'), ...state },
      dynamodb: localDynamoDbClient(state),
      ssm: once(() => localSsmClient(state)),
      sfn: once(() => localSfnClient(state)),
      sns: once(() => localSnsClient(state)),
      cloudwatch: once(() => localCloudWatchClient(state)),
      iam: once(() => localIamClient(state)),
      capEnforcementRoles: state.capEnforcementRoles ?? [],
      stateMachineArn: async (workflow) => localResources('local').stateMachineArns[workflow],
      home: stackHome(),
    };
  }
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const resources = localResources(stage, { region });
  const sfn = once(() => new SFNClient({ region }));
  return {
    stage,
    resources,
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    ssm: once(() => new SSMClient({ region })),
    sfn,
    sns: once(() => new SNSClient({ region })),
    cloudwatch: once(() => new CloudWatchClient({ region })),
    // IAM is global; the SDK signs for us-east-1 whatever the region.
    iam: once(() => new IAMClient({ region })),
    stateMachineArn: async (workflow) => {
      const name = `ccb-${stage}-${workflow}`;
      for await (const page of paginateListStateMachines({ client: sfn() }, {})) {
        const found = page.stateMachines?.find((m) => m.name === name);
        if (found?.stateMachineArn !== undefined) return found.stateMachineArn;
      }
      throw new Error(`state machine ${name} not found in ${region}: is stage ${stage} deployed?`);
    },
  };
};
