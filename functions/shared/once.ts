/** Builds on the first call and returns the same value after: once per cold start, or per CLI run. */
export const once = <T>(build: () => T): (() => T) => {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
};
