import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from './local-clients';
import { localResources, readStackState, type StackResources } from './stack-context';

/** What a read command needs to talk to one deployment: the local stack or an AWS stage. */
export interface StageContext {
  stage: string;
  resources: StackResources;
  dynamodb: DynamoDBDocumentClient;
}

/**
 * `local` reads the endpoints from the running stack; any other stage uses the AWS SDK's default
 * credential chain and the names serverless.yml gives that stage.
 */
export const openStage = async (stage: string): Promise<StageContext> => {
  if (stage === 'local') {
    const state = await readStackState();
    return { stage, resources: state, dynamodb: localDynamoDbClient(state) };
  }
  const resources = { ...localResources(stage), region: process.env.AWS_REGION ?? 'us-east-1' };
  return {
    stage,
    resources,
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: resources.region })),
  };
};
