/** How the local stack's processes log: a level, a message and optional structured detail. */
export type Logger = (
  level: 'info' | 'warn' | 'error',
  message: string,
  detail?: Record<string, unknown>,
) => void;

/** Logs `<time> <LEVEL> <component>: <message> <detail as JSON>` to the console, which is the process's log file. */
export const consoleLogger =
  (component: string): Logger =>
  (level, message, detail) => {
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${component}: ${message}`;
    console[level === 'info' ? 'log' : level](
      detail === undefined ? line : `${line} ${JSON.stringify(detail)}`,
    );
  };
