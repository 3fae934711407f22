import { Type, type TObject, type Static } from 'typebox';
import Value from 'typebox/value';

export { Type };

/** Raised at start when the environment is wrong; its message names every offending variable. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/**
 * Validates the environment against a flat schema whose keys are variable names.
 * Empty strings count as unset so `FOO=` in a shell falls back to the default.
 */
export function loadEnv<S extends TObject>(schema: S, env: Env): Readonly<Static<S>> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, raw));
  const problems = Value.Errors(schema, converted).map((error) => {
    const params = error.params as { requiredProperties?: string[] };
    if (error.keyword === 'required' && params.requiredProperties) {
      return `${params.requiredProperties.join(', ')}: is required`;
    }
    return `${error.instancePath.replace(/^\//, '') || '(root)'}: ${error.message}`;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(converted as Static<S>);
}

/**
 * Liveness and readiness bounds (`@wa/pkg/health`), the same in every service. `/health` fails
 * when work has been in flight for LIVENESS_STALL_MS with none of its kind finishing, or when the
 * event loop has run over LIVENESS_LOOP_DELAY_MS late for LIVENESS_LOOP_DELAY_FOR_MS; `/ready`
 * waits at most READINESS_TIMEOUT_MS for each dependency.
 */
export const HealthEnv = {
  LIVENESS_STALL_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: 60_000 }),
  LIVENESS_LOOP_DELAY_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 1_000 }),
  LIVENESS_LOOP_DELAY_FOR_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 10_000 }),
  READINESS_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2_000 }),
};
export const healthConfig = (e: {
  LIVENESS_STALL_MS: number;
  LIVENESS_LOOP_DELAY_MS: number;
  LIVENESS_LOOP_DELAY_FOR_MS: number;
  READINESS_TIMEOUT_MS: number;
}) => ({
  liveness: {
    stallMs: e.LIVENESS_STALL_MS,
    loopDelayMs: e.LIVENESS_LOOP_DELAY_MS,
    loopDelayForMs: e.LIVENESS_LOOP_DELAY_FOR_MS,
  },
  readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
});
export type HealthConfig = ReturnType<typeof healthConfig>;

/** Variables every service reads. */
export const CommonEnv = {
  NODE_ENV: Type.Union(
    [Type.Literal('development'), Type.Literal('test'), Type.Literal('production')],
    {
      default: 'development',
    },
  ),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  HOST: Type.String({ default: '0.0.0.0' }),
  ...HealthEnv,
};

export const UrlString = (defaultValue?: string) =>
  Type.String({
    pattern: '^[a-z][a-z0-9+.-]*://',
    ...(defaultValue ? { default: defaultValue } : {}),
  });

export const Port = (defaultValue: number) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: defaultValue });

/** `host:port` of a gRPC server. */
export const HostPort = (defaultValue: string) =>
  Type.String({ pattern: '^[^\\s:/]+:\\d{1,5}$', default: defaultValue });

/*
 * Fragments shared by every service that uses the thing they configure: one spelling per idea,
 * documented once in the README. A service spreads the env fragment into its schema and maps the
 * validated values with the matching function.
 */

type Values = Record<string, unknown>;

/** Where the service listens: HOST (in CommonEnv), HTTP_PORT and, for gRPC servers, GRPC_PORT. */
export const ListenEnv = (httpPort: number) => ({ HTTP_PORT: Port(httpPort) });
export const GrpcListenEnv = (grpcPort: number) => ({ GRPC_PORT: Port(grpcPort) });
export const listenConfig = (e: { HOST: string; HTTP_PORT: number; GRPC_PORT?: number }) => ({
  host: e.HOST,
  httpPort: e.HTTP_PORT,
  grpcPort: e.GRPC_PORT,
});

export const PostgresEnv = {
  DATABASE_URL: UrlString('postgres://postgres@127.0.0.1:5432/whatsapp'),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
};
export const postgresConfig = (e: { DATABASE_URL: string; DATABASE_POOL_MAX: number }) => ({
  url: e.DATABASE_URL,
  poolMax: e.DATABASE_POOL_MAX,
});

export const RedisEnv = { REDIS_URL: UrlString('redis://127.0.0.1:6379') };

/** One or more comma-separated NATS server URLs. */
const NATS_URLS = '^(nats|tls|ws|wss)://[^\\s,]+(,(nats|tls|ws|wss)://[^\\s,]+)*$';

export const NatsEnv = {
  NATS_URL: Type.String({ pattern: NATS_URLS, default: 'nats://127.0.0.1:4222' }),
};
/**
 * The durable consumer name of a service, shared by all its instances (addenda C), and how many
 * deliveries of an event that fails before it goes to `dlq.<subject>` (addenda K).
 */
export const NatsConsumerEnv = (consumerName: string) => ({
  NATS_CONSUMER_NAME: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: consumerName }),
  MAX_DELIVER: Type.Integer({ minimum: 1, maximum: 1_000, default: 10 }),
});
export const natsConfig = <
  E extends { NATS_URL: string; NATS_CONSUMER_NAME?: string; MAX_DELIVER?: number },
>(
  e: E,
) => ({
  url: e.NATS_URL,
  consumerName: e.NATS_CONSUMER_NAME as E['NATS_CONSUMER_NAME'],
  maxDeliver: e.MAX_DELIVER as E['MAX_DELIVER'],
});

/** The gRPC servers a service can call, by the prefix of their `<NAME>_GRPC_ADDR` variable. */
export const GRPC_SERVICES = {
  AUTH: '127.0.0.1:9081',
  USER: '127.0.0.1:9082',
  CHAT: '127.0.0.1:9083',
  MESSAGE: '127.0.0.1:9084',
  MEDIA: '127.0.0.1:9086',
} as const;
export type GrpcServiceName = keyof typeof GRPC_SERVICES;

/** `<NAME>_GRPC_ADDR` for each server called, and the one GRPC_CLIENT_TIMEOUT_MS for every call. */
export const GrpcClientEnv = <N extends GrpcServiceName>(
  names: readonly N[],
  timeoutMs: number,
) => {
  const addresses = Object.fromEntries(
    names.map((name) => [`${name}_GRPC_ADDR`, HostPort(GRPC_SERVICES[name])]),
  ) as Record<`${N}_GRPC_ADDR`, ReturnType<typeof HostPort>>;
  return {
    ...addresses,
    GRPC_CLIENT_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 30_000, default: timeoutMs }),
  };
};
export const grpcClientConfig = <N extends GrpcServiceName>(
  e: Values & { GRPC_CLIENT_TIMEOUT_MS: number },
  names: readonly N[],
): Record<Lowercase<N>, { address: string; timeoutMs: number }> =>
  Object.fromEntries(
    names.map((name) => [
      name.toLowerCase(),
      { address: e[`${name}_GRPC_ADDR`] as string, timeoutMs: e.GRPC_CLIENT_TIMEOUT_MS },
    ]),
  ) as Record<Lowercase<N>, { address: string; timeoutMs: number }>;

/** What every service config carries besides its own part. */
export const commonConfig = (
  e: { NODE_ENV: string; LOG_LEVEL: string } & Parameters<typeof healthConfig>[0],
) => ({
  env: e.NODE_ENV,
  logLevel: e.LOG_LEVEL,
  health: healthConfig(e),
});
