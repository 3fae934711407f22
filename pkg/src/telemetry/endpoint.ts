/**
 * Where spans go: the standard OTLP variables (the traces-only one first). Undefined turns tracing
 * off, as does OTEL_SDK_DISABLED=true. Kept apart from the SDK so the start-up hooks can ask it
 * without loading anything else.
 */
export function tracesEndpoint(env: Record<string, string | undefined>): string | undefined {
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}
