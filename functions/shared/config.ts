export class MissingConfigurationError extends Error {
  constructor(name: string) {
    super(`environment variable ${name} is required but not set`);
    this.name = 'MissingConfigurationError';
  }
}

/** Reads a required variable at cold start, so a misconfigured function fails before it takes a record. */
export const requireEnv = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new MissingConfigurationError(name);
  return value;
};
