import type { DescMessage } from '@bufbuild/protobuf';
import { Edition } from '@bufbuild/protobuf/wkt';

/**
 * What binary-encoder.ts and binary-decoder.ts compile, once per message type: `build`'s result,
 * or null for a type left to @bufbuild/protobuf. That is a type `build` refuses, one that is not
 * proto3 (whose messages have no defaults and no prototype chain: the plain objects `create`
 * builds), one with a oneof, and a recursive one (met again while it compiles), as its parents.
 */
export function compileOnce<T>(
  schema: DescMessage,
  compiled: Map<DescMessage, T | null>,
  build: () => T | null,
): T | null {
  if (compiled.has(schema)) return compiled.get(schema) ?? null;
  compiled.set(schema, null);
  if (schema.oneofs.length > 0 || schema.file.edition !== Edition.EDITION_PROTO3) return null;
  const built = build();
  compiled.set(schema, built);
  return built;
}
