import { isUtf8 } from 'node:buffer';
import { ScalarType, fromBinary, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import { compileOnce } from './compile-once.ts';

/*
 * A protobuf decoder compiled once per message type, the counterpart of binary-encoder.ts:
 * fromBinary wraps every message it builds in a reflection object and reads each field through
 * it. This builds the same plain objects (`$typeName`, implicit fields at their zero values,
 * unknown fields in `$unknown`) straight from the bytes; pkg/test/binary-codec.test.ts compares
 * both on every message type of our protos. Whatever it does not expect (groups, a recursion past
 * fromBinary's limit, bytes fromBinary would refuse) is handed to fromBinary, whose answer or
 * error is then the one given.
 */

type Message = Record<string, unknown> & { $typeName: string };
type ReadField = (reader: Reader, message: Message, wireType: number, depth: number) => void;

interface CompiledType {
  typeName: string;
  /** Implicit-presence fields and their zero values, in declaration order (as create sets them). */
  zero: [name: string, value: () => unknown][];
  fields: Map<number, ReadField>;
}

const WIRE_VARINT = 0;
const WIRE_BIT64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_BIT32 = 5;
/** fromBinary's default: messages nested deeper are refused. */
const RECURSION_LIMIT = 100;

/** Thrown for what only fromBinary handles; never reaches a caller. */
class Unsupported extends Error {}

class Reader {
  pos = 0;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new Unsupported('premature end');
    return this.bytes[this.pos++];
  }

  uint32(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.byte();
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
    }
    throw new Unsupported('invalid varint');
  }

  uint64(): bigint {
    let low = 0;
    let high = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.byte();
      const bits = byte & 0x7f;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= (bits & 0x0f) << 28;
        high |= bits >> 4;
      } else high |= bits << (shift - 32);
      if ((byte & 0x80) === 0) return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    }
    throw new Unsupported('invalid varint');
  }

  /** The next `length` bytes, as a view of the input (as fromBinary gives bytes fields). */
  take(length: number): Uint8Array {
    const end = this.pos + length;
    if (end > this.bytes.length) throw new Unsupported('premature end');
    const taken = this.bytes.subarray(this.pos, end);
    this.pos = end;
    return taken;
  }

  delimited(): Uint8Array {
    return this.take(this.uint32());
  }

  /** Skips one field's value, answering its bytes as fromBinary keeps unknown fields. */
  skip(wireType: number): Uint8Array {
    const start = this.pos;
    switch (wireType) {
      case WIRE_VARINT:
        this.uint64();
        break;
      case WIRE_BIT64:
        this.take(8);
        break;
      case WIRE_LENGTH_DELIMITED:
        this.take(this.uint32());
        break;
      case WIRE_BIT32:
        this.take(4);
        break;
      default:
        throw new Unsupported(`wire type ${wireType}`);
    }
    return this.bytes.subarray(start, this.pos);
  }
}

function utf8(bytes: Uint8Array): string {
  // proto3 strings must be valid UTF-8: fromBinary refuses them otherwise.
  if (!isUtf8(bytes)) throw new Unsupported('invalid UTF-8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

type ScalarReader = { read: (reader: Reader) => unknown; zero: () => unknown };

const SCALAR_READERS: Partial<Record<ScalarType, ScalarReader>> = {
  [ScalarType.STRING]: { read: (reader) => utf8(reader.delimited()), zero: () => '' },
  [ScalarType.BYTES]: { read: (reader) => reader.delimited(), zero: () => new Uint8Array(0) },
  [ScalarType.BOOL]: { read: (reader) => reader.uint64() !== 0n, zero: () => false },
  [ScalarType.INT32]: { read: (reader) => reader.uint32() | 0, zero: () => 0 },
  [ScalarType.UINT32]: { read: (reader) => reader.uint32(), zero: () => 0 },
  [ScalarType.INT64]: { read: (reader) => BigInt.asIntN(64, reader.uint64()), zero: () => 0n },
  [ScalarType.UINT64]: { read: (reader) => reader.uint64(), zero: () => 0n },
};

const PACKABLE = new Set([
  ScalarType.BOOL,
  ScalarType.INT32,
  ScalarType.UINT32,
  ScalarType.INT64,
  ScalarType.UINT64,
]);

function scalarOf(field: DescField): ScalarReader | undefined {
  if (field.fieldKind === 'enum' || (field.fieldKind === 'list' && field.listKind === 'enum'))
    return SCALAR_READERS[ScalarType.INT32];
  if (field.fieldKind === 'scalar' || (field.fieldKind === 'list' && field.listKind === 'scalar'))
    return SCALAR_READERS[field.scalar];
  return undefined;
}

function fieldReader(field: DescField, compile: (schema: DescMessage) => CompiledType | null) {
  const name = field.localName;
  switch (field.fieldKind) {
    case 'scalar':
    case 'enum': {
      // Enums of proto3 are open: any number is kept.
      const scalar = scalarOf(field);
      if (!scalar || (field.fieldKind === 'enum' && !field.enum.open)) return undefined;
      const read: ReadField = (reader, message) => {
        message[name] = scalar.read(reader);
      };
      return read;
    }
    case 'message': {
      if (field.delimitedEncoding) return undefined;
      const nested = compile(field.message);
      if (!nested) return undefined;
      const read: ReadField = (reader, message, _wireType, depth) => {
        const bytes = reader.delimited();
        const existing = message[name] as Message | undefined;
        message[name] = readMessage(nested, bytes, depth + 1, existing);
      };
      return read;
    }
    case 'list': {
      if (field.listKind === 'message') {
        if (field.delimitedEncoding) return undefined;
        const nested = compile(field.message);
        if (!nested) return undefined;
        const read: ReadField = (reader, message, _wireType, depth) => {
          (message[name] as unknown[]).push(readMessage(nested, reader.delimited(), depth + 1));
        };
        return read;
      }
      const scalar = scalarOf(field);
      if (!scalar || (field.listKind === 'enum' && !field.enum.open)) return undefined;
      const packable = field.listKind === 'enum' || PACKABLE.has(field.scalar);
      const read: ReadField = (reader, message, wireType) => {
        const list = message[name] as unknown[];
        if (!packable || wireType !== WIRE_LENGTH_DELIMITED) {
          list.push(scalar.read(reader));
          return;
        }
        const packed = new Reader(reader.delimited());
        while (packed.pos < packed.bytes.length) list.push(scalar.read(packed));
      };
      return read;
    }
    case 'map': {
      const key = SCALAR_READERS[field.mapKey];
      const nested = field.mapKind === 'message' ? compile(field.message) : undefined;
      const value =
        field.mapKind === 'enum'
          ? field.enum.open
            ? SCALAR_READERS[ScalarType.INT32]
            : undefined
          : field.mapKind === 'scalar'
            ? SCALAR_READERS[field.scalar]
            : undefined;
      if (!key || (field.mapKind === 'message' ? !nested : !value)) return undefined;
      const read: ReadField = (reader, message, _wireType, depth) => {
        const entry = new Reader(reader.delimited());
        let entryKey: unknown;
        let entryValue: unknown;
        while (entry.pos < entry.bytes.length) {
          const tag = entry.uint32();
          if (tag >>> 3 === 1) entryKey = key.read(entry);
          else if (tag >>> 3 === 2)
            entryValue = nested
              ? readMessage(nested, entry.delimited(), depth + 1)
              : value!.read(entry);
          else throw new Unsupported('unknown map entry field');
        }
        const map = message[name] as Record<string, unknown>;
        map[String(entryKey ?? key.zero())] =
          entryValue ??
          (nested ? readMessage(nested, new Uint8Array(0), depth + 1) : value!.zero());
      };
      return read;
    }
  }
}

function zeroOf(field: DescField): (() => unknown) | undefined {
  if (field.fieldKind === 'list') return () => [];
  if (field.fieldKind === 'map') return () => ({});
  if (field.presence !== FeatureSet_FieldPresence.IMPLICIT) return undefined;
  if (field.fieldKind === 'enum') {
    const first = field.enum.values[0].number;
    return () => first;
  }
  return field.fieldKind === 'scalar' ? SCALAR_READERS[field.scalar]?.zero : undefined;
}

function compileType(
  schema: DescMessage,
  compiled: Map<DescMessage, CompiledType | null>,
): CompiledType | null {
  return compileOnce(schema, compiled, () => {
    const type: CompiledType = { typeName: schema.typeName, zero: [], fields: new Map() };
    for (const member of schema.members) {
      if (member.kind !== 'field') return null;
      const zero = zeroOf(member);
      if (zero) type.zero.push([member.localName, zero]);
    }
    for (const field of schema.fields) {
      const reader = fieldReader(field, (nested) => compileType(nested, compiled));
      if (!reader) return null;
      type.fields.set(field.number, reader);
    }
    return type;
  });
}

function readMessage(type: CompiledType, bytes: Uint8Array, depth: number, into?: Message) {
  if (depth > RECURSION_LIMIT) throw new Unsupported('recursion limit');
  let message = into;
  if (!message) {
    message = { $typeName: type.typeName };
    for (const [name, zero] of type.zero) message[name] = zero();
  }
  const reader = new Reader(bytes);
  while (reader.pos < bytes.length) {
    const tag = reader.uint32();
    const fieldNumber = tag >>> 3;
    const wireType = tag & 7;
    const read = type.fields.get(fieldNumber);
    if (read) read(reader, message, wireType, depth);
    else {
      const data = reader.skip(wireType);
      const unknown = (message.$unknown ??= []) as unknown[];
      unknown.push({ no: fieldNumber, wireType, data });
    }
  }
  return message;
}

const compiledTypes = new Map<DescMessage, CompiledType | null>();

/**
 * The decoder of `schema`, answering what fromBinary answers; undefined when the type holds a
 * kind this decoder leaves to fromBinary.
 */
export function compileDecoder<M extends DescMessage>(
  schema: M,
): ((bytes: Uint8Array) => ReturnType<typeof fromBinary<M>>) | undefined {
  const type = compileType(schema, compiledTypes);
  if (!type) return undefined;
  return (bytes) => {
    try {
      return readMessage(type, bytes, 1) as ReturnType<typeof fromBinary<M>>;
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      return fromBinary(schema, bytes);
    }
  };
}
