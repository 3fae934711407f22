import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths never written to logs: credentials, one-time codes and message content. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'authorization',
  'token',
  'access_token',
  'refresh_token',
  'otp',
  'fcm_token',
  '*.authorization',
  '*.fcm_token',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.otp',
  '*.password',
  '*.body',
  '*.payload',
];

export interface LoggerSettings {
  service: string;
  level: string;
  /** Where lines go; tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

/** JSON logs with the service name on every line; child loggers add request/connection ids. */
export function createLogger({ service, level, destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
