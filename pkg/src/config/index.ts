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
