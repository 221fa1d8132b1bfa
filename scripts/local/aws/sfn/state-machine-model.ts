/** The Lambda function a Task state calls, and the module that implements it locally. */
export interface TaskFunction {
  /** `ccb-<stage>-breaker-apply` */
  functionName: string;
  functionArn: string;
  /** Absolute path of `<functions root>/<kebab-case name>.ts`. */
  module: string;
  /** The Task's TimeoutSeconds in ms (60 s by default, as in the runner): the Lambda context's deadline. */
  timeoutMs: number;
}

/** A Wait state's own fields, kept when the stand-in replaces it by a scaled wait. */
export interface WaitSpec {
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

export interface LoadedStateMachine {
  /** `ccb-<stage>-<file basename>` */
  name: string;
  arn: string;
  file: string;
  /** The definition after substitution (and, when waits are scaled, with Wait states rewritten). */
  definition: Record<string, unknown>;
  /** The substituted definition as written, for DescribeStateMachine. */
  definitionText: string;
  /** Task state name -> its function. */
  tasks: Map<string, TaskFunction>;
  /** Names of the states that have a Retry field. */
  retryStates: string[];
  /** Scaled waits only: Wait state name -> its fields. */
  waits: Map<string, WaitSpec>;
}

export interface StateMachineLoadOptions {
  stage: string;
  region: string;
  accountId: string;
  /** Folder holding `<name>.asl.json` files. */
  stateMachinesDir: string;
  /** Folder holding `<kebab-case name>.ts` modules that export `handler`. */
  functionsDir: string;
  /** Extra DefinitionSubstitutions beyond `${<Name>FunctionArn}`. */
  substitutions?: Record<string, string>;
  /** Wait durations are multiplied by this; 1 runs Wait states unchanged. */
  waitScale: number;
}

export class DefinitionError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'DefinitionError';
  }
}
