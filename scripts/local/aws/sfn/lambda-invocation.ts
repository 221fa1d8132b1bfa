export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Lambda events and results cross the wire as JSON. */
export const toJson = (value: unknown): JsonValue =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);

/**
 * What a Lambda function's error becomes in Step Functions: the error is its `errorType` (the
 * thrown error's `name`), the cause the JSON of errorType, errorMessage and trace, as on AWS.
 */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string, trace: string[] = []) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }

  static from(error: unknown): LambdaFunctionError {
    if (error instanceof LambdaFunctionError) return error;
    if (error instanceof Error)
      return new LambdaFunctionError(error.name || 'Error', error.message, error.stack?.split('\n') ?? []);
    return new LambdaFunctionError('Error', String(error));
  }
}

/** A Task's function as the state machine sees it: the Task's effective input is the event. */
export type TaskInvoker = (event: JsonValue) => Promise<unknown> | unknown;

/** One Lambda invocation: JSON in and out, and whatever the function throws as a Lambda error. */
export const invokeAsLambda = async (invoke: TaskInvoker, input: unknown): Promise<JsonValue> => {
  try {
    return toJson(await invoke(toJson(input)));
  } catch (error) {
    throw LambdaFunctionError.from(error);
  }
};
