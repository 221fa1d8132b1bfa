import { readFile } from 'node:fs/promises';
import { type Policy, parsePolicy } from '../../functions/core/breaker/policy';

/** A policy.v1 file, validated with its defaults filled in; the error names the file and the field. */
export const readPolicyFile = async (path: string): Promise<Policy> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new Error(`cannot read the policy ${path}: ${(cause as Error).message}`, { cause });
  }
  return parsePolicy(parsed, path);
};
