import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import { compileOnce } from './compile-once.ts';

/*
 * A protobuf encoder compiled once per message type, for the shapes handlers and callers write
 * (init objects: plain objects whose missing fields take their defaults). @bufbuild/protobuf's
 * toBinary first copies such an object into a full message (`create`), then walks it through its
 * reflection API and builds every nested message in a writer of its own: at 500 messages a second
 * that was a sixth of what the websocket-service allocated. This writes each field straight into
 * one reused buffer. It produces the same bytes as `toBinary(schema, create(schema, value))` for
 * the kinds it supports (pkg/test/binary-codec.test.ts compares them on every message type);
 * a message type that holds another kind (groups, floating point, fixed-width or zig-zag
 * integers), or that compile-once.ts leaves out, is left to toBinary.
 */

/** Writes one message's set fields at the buffer's end. */
type WriteFields = (out: Output, value: Record<string, unknown>) => void;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

/** A growable byte buffer; one per process, as an encode runs to its end without yielding. */
const START_BYTES = 64 * 1024;
const KEPT_BUFFER_BYTES = 1024 * 1024;

class Output {
  buffer = Buffer.allocUnsafe(START_BYTES);
  length = 0;

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  varint32(value: number): void {
    this.reserve(5);
    let rest = value >>> 0;
    while (rest > 0x7f) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.length++] = rest;
  }

  /** A 64-bit two's complement varint (int32 negatives and every int64 take this path). */
  varint64(value: bigint): void {
    this.reserve(10);
    let rest = BigInt.asUintN(64, value);
    while (rest > 0x7fn) {
      this.buffer[this.length++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.length++] = Number(rest);
  }

  tag(fieldNumber: number, wireType: number): void {
    this.varint32((fieldNumber << 3) | wireType);
  }

  string(value: string): void {
    // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no measuring.
    const bytes = value.length * 3 < 0x80 ? undefined : Buffer.byteLength(value);
    if (bytes === undefined) {
      this.reserve(1 + value.length * 3);
      const at = this.length++;
      const written = this.buffer.write(value, this.length, 'utf8');
      this.buffer[at] = written;
      this.length += written;
      return;
    }
    this.varint32(bytes);
    this.reserve(bytes);
    this.length += this.buffer.write(value, this.length, 'utf8');
  }

  bytes(value: Uint8Array): void {
    this.varint32(value.byteLength);
    this.reserve(value.byteLength);
    this.buffer.set(value, this.length);
    this.length += value.byteLength;
  }

  /** Writes a length-delimited body, its length before it: moved when it needs more than a byte. */
  delimited(write: () => void): void {
    this.reserve(1);
    const at = this.length++;
    write();
    const size = this.length - at - 1;
    if (size < 0x80) {
      this.buffer[at] = size;
      return;
    }
    let prefix = 1;
    while (size >= 2 ** (7 * prefix)) prefix += 1;
    this.reserve(prefix - 1);
    this.buffer.copyWithin(at + prefix, at + 1, this.length);
    this.length += prefix - 1;
    let rest = size;
    for (let i = 0; i < prefix; i += 1) {
      this.buffer[at + i] = i < prefix - 1 ? (rest & 0x7f) | 0x80 : rest;
      rest = Math.floor(rest / 0x80);
    }
  }
}

const output = new Output();

type ScalarWriter = {
  wireType: number;
  /** Whether proto3 leaves the value out (implicit presence). */
  isDefault: (value: unknown) => boolean;
  write: (out: Output, value: unknown) => void;
};

/** toBinary's zero test for integers: 0, 0n and "0" (a 64-bit field may hold any of them). */
const isZero = (value: unknown): boolean => value === 0 || value === 0n || value === '0';

/** An integer field's value as toBinary takes it, or an error as toBinary would throw one. */
function integerOf(value: unknown, min: number, max: number): number {
  const number = typeof value === 'string' ? Number(value) : (value as number);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new Error(`invalid integer: ${String(value)}`);
  return number;
}

const int32Writer: ScalarWriter = {
  wireType: WIRE_VARINT,
  isDefault: isZero,
  write: (out, value) => {
    const number = integerOf(value, -(2 ** 31), 2 ** 31 - 1);
    if (number >= 0) out.varint32(number);
    else out.varint64(BigInt(number));
  },
};

const int64Writer: ScalarWriter = {
  wireType: WIRE_VARINT,
  isDefault: isZero,
  // protobuf-es takes a bigint, a number or a decimal string for a 64-bit field.
  write: (out, value) => out.varint64(BigInt(value as bigint | number | string)),
};

const SCALAR_WRITERS: Partial<Record<ScalarType, ScalarWriter>> = {
  [ScalarType.STRING]: {
    wireType: WIRE_LENGTH_DELIMITED,
    isDefault: (value) => value === '',
    // toBinary encodes whatever it is given as its string form.
    write: (out, value) => out.string(typeof value === 'string' ? value : String(value)),
  },
  [ScalarType.BYTES]: {
    wireType: WIRE_LENGTH_DELIMITED,
    isDefault: (value) => value instanceof Uint8Array && value.byteLength === 0,
    write: (out, value) => out.bytes(value as Uint8Array),
  },
  [ScalarType.BOOL]: {
    wireType: WIRE_VARINT,
    isDefault: (value) => value === false,
    write: (out, value) => out.varint32(value ? 1 : 0),
  },
  [ScalarType.INT32]: int32Writer,
  [ScalarType.UINT32]: {
    wireType: WIRE_VARINT,
    isDefault: isZero,
    write: (out, value) => out.varint32(integerOf(value, 0, 2 ** 32 - 1)),
  },
  [ScalarType.INT64]: int64Writer,
  [ScalarType.UINT64]: int64Writer,
};

const isAbsent = (value: unknown): boolean => value === undefined || value === null;

/** The writer of one field, or undefined when this encoder does not support its kind. */
function fieldWriter(field: DescField, compiled: Map<DescMessage, WriteFields | null>) {
  const number = field.number;
  const name = field.localName;
  switch (field.fieldKind) {
    case 'scalar':
    case 'enum': {
      const scalar = SCALAR_WRITERS[field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar];
      if (!scalar) return undefined;
      const explicit = field.presence !== FeatureSet_FieldPresence.IMPLICIT;
      return (out: Output, value: Record<string, unknown>) => {
        const item = value[name];
        if (isAbsent(item) || (!explicit && scalar.isDefault(item))) return;
        out.tag(number, scalar.wireType);
        scalar.write(out, item);
      };
    }
    case 'message': {
      if (field.delimitedEncoding) return undefined;
      const nested = compileFields(field.message, compiled);
      if (!nested) return undefined;
      return (out: Output, value: Record<string, unknown>) => {
        const item = value[name];
        if (isAbsent(item)) return;
        out.tag(number, WIRE_LENGTH_DELIMITED);
        out.delimited(() => nested(out, item as Record<string, unknown>));
      };
    }
    case 'list': {
      if (field.listKind === 'message') {
        if (field.delimitedEncoding) return undefined;
        const nested = compileFields(field.message, compiled);
        if (!nested) return undefined;
        return (out: Output, value: Record<string, unknown>) => {
          const items = value[name] as Record<string, unknown>[] | undefined;
          if (!items) return;
          for (const item of items) {
            out.tag(number, WIRE_LENGTH_DELIMITED);
            out.delimited(() => nested(out, item));
          }
        };
      }
      const scalar = SCALAR_WRITERS[field.listKind === 'enum' ? ScalarType.INT32 : field.scalar];
      if (!scalar) return undefined;
      if (field.packed)
        return (out: Output, value: Record<string, unknown>) => {
          const items = value[name] as unknown[] | undefined;
          if (!items || items.length === 0) return;
          out.tag(number, WIRE_LENGTH_DELIMITED);
          out.delimited(() => items.forEach((item) => scalar.write(out, item)));
        };
      return (out: Output, value: Record<string, unknown>) => {
        const items = value[name] as unknown[] | undefined;
        if (!items) return;
        for (const item of items) {
          out.tag(number, scalar.wireType);
          scalar.write(out, item);
        }
      };
    }
    case 'map': {
      const key = SCALAR_WRITERS[field.mapKey];
      const nested =
        field.mapKind === 'message' ? compileFields(field.message, compiled) : undefined;
      const scalar =
        field.mapKind === 'message'
          ? undefined
          : SCALAR_WRITERS[field.mapKind === 'enum' ? ScalarType.INT32 : field.scalar];
      if (!key || (field.mapKind === 'message' ? !nested : !scalar)) return undefined;
      return (out: Output, value: Record<string, unknown>) => {
        const entries = value[name] as Record<string, unknown> | undefined;
        if (!entries) return;
        for (const [entryKey, entryValue] of Object.entries(entries)) {
          out.tag(number, WIRE_LENGTH_DELIMITED);
          out.delimited(() => {
            // Map keys arrive as object keys: strings, even for numeric and bool keys.
            out.tag(1, key.wireType);
            key.write(out, mapKeyOf(field.mapKey, entryKey));
            out.tag(2, nested ? WIRE_LENGTH_DELIMITED : scalar!.wireType);
            if (nested)
              out.delimited(() => nested(out, (entryValue ?? {}) as Record<string, unknown>));
            else scalar!.write(out, entryValue);
          });
        }
      };
    }
  }
}

function mapKeyOf(type: ScalarType, key: string): unknown {
  if (type === ScalarType.STRING) return key;
  if (type === ScalarType.BOOL) return key === 'true';
  if (type === ScalarType.INT64 || type === ScalarType.UINT64) return BigInt(key);
  return Number(key);
}

/** The field writers of a message type in field-number order (as toBinary writes), or null. */
function compileFields(
  schema: DescMessage,
  compiled: Map<DescMessage, WriteFields | null>,
): WriteFields | null {
  return compileOnce(schema, compiled, () => {
    const writers: WriteFields[] = [];
    for (const field of [...schema.fields].sort((a, b) => a.number - b.number)) {
      const writer = fieldWriter(field, compiled);
      if (!writer) return null;
      writers.push(writer);
    }
    const writeFields: WriteFields = (out, value) => {
      for (const writer of writers) writer(out, value);
    };
    return writeFields;
  });
}

const compiledTypes = new Map<DescMessage, WriteFields | null>();

/**
 * The encoder of `schema` for init objects, or undefined when the type holds a kind this encoder
 * leaves to toBinary.
 */
export function compileEncoder(schema: DescMessage): ((value: unknown) => Buffer) | undefined {
  const writeFields = compileFields(schema, compiledTypes);
  if (!writeFields) return undefined;
  return (value) => {
    output.length = 0;
    writeFields(output, (value ?? {}) as Record<string, unknown>);
    const bytes = Buffer.from(output.buffer.subarray(0, output.length));
    // One large message (a long replay page) must not keep its buffer for good.
    if (output.buffer.length > KEPT_BUFFER_BYTES) output.buffer = Buffer.allocUnsafe(START_BYTES);
    return bytes;
  };
}
