import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
} from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { compileDecoder } from './binary-decoder.ts';
import { compileEncoder } from './binary-encoder.ts';

/**
 * Where a service's `grpc-routes.ts` registers its implementation. The implementation keeps
 * connect's shape (`ServiceImpl`, typed from the generated descriptors); grpc-js serves it, since
 * a unary call costs a third of connect-node's CPU on each side (docs/benchmarks.md).
 */
export interface GrpcRouter {
  service<S extends DescService>(service: S, implementation: Partial<ServiceImpl<S>>): this;
}

/**
 * The largest message either end accepts. grpc-js refuses more than 4 MiB by default; a page of 500
 * replayed messages of 4,096 characters each can exceed that once JSON-escaped, and every caller
 * is one of our services.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The wire path of a method, as every gRPC implementation names it. */
export const methodPath = (method: DescMethod): string =>
  `/${method.parent.typeName}/${method.name}`;

/**
 * Encodes a message, or the init shape of one (what handlers and callers write), to bytes: with
 * the encoder compiled for its type (binary-encoder.ts), else through toBinary.
 */
export const encoderOf = <M extends DescMessage>(schema: M): ((value: unknown) => Buffer) =>
  compileEncoder(schema) ??
  ((value) => Buffer.from(toBinary(schema, create(schema, value as never))));

/** Decodes bytes to a message: with the decoder compiled for its type, else through fromBinary. */
export const decoderOf = <M extends DescMessage>(schema: M) =>
  compileDecoder(schema) ?? ((bytes: Uint8Array) => fromBinary(schema, bytes));
