/**
 * Structured JSON logs (pino). Credentials and bodies never reach a log line: the request serializer keeps only
 * method, URL path and ids, and `redact` removes anything that looks like a secret should a caller log it anyway.
 */
import { type DestinationStream, type LogFn, type Logger as PinoLogger, pino } from 'pino';

/** What Roster's code logs through: satisfied by pino loggers and by Fastify's request loggers. */
export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'key',
  'secret',
  'password',
  '*.token',
  '*.key',
  '*.secret',
  '*.password',
  'body',
  '*.body',
];

export function createLogger(level: string, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level,
      base: { service: 'roster' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
