/** The log levels Powertools Logger knows (POWERTOOLS_LOG_LEVEL, any case). */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

export const LOG_LEVEL_VARIABLE = 'POWERTOOLS_LOG_LEVEL';

/** Undefined when unset or valid; else why, naming the variable and the levels it takes. */
export function logLevelProblem(value: string | undefined): string | undefined {
  const level = value?.trim();
  if (!level || (LOG_LEVELS as readonly string[]).includes(level.toUpperCase())) return undefined;
  return `${LOG_LEVEL_VARIABLE} "${level}" is not a log level: use one of ${LOG_LEVELS.join(', ')}`;
}
