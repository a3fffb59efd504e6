// Type declarations of the `tachyon` package (index.js over the Node-API addon).

/** Bytes to send: a Buffer, any TypedArray, a DataView or an ArrayBuffer. */
export type Bytes = ArrayBufferView | ArrayBuffer;

/** A tachc-generated schema module (what options.schema and decode() take). */
export interface SchemaModule {
  readonly SCHEMA_FINGERPRINT: bigint;
  decode(typeId: number, data: Bytes, offset?: number, length?: number): unknown;
}

export interface ListenOptions {
  /** Bind the bus to this generated schema: a producer built from another layout is refused. */
  schema?: SchemaModule;
  /** Bind the bus to a schema fingerprint (the generated SCHEMA_FINGERPRINT). */
  fingerprint?: bigint | number;
  /** Milliseconds to wait for a producer (default: forever). */
  timeout?: number;
  /** Accept producers of any uid (default: only this process's uid). */
  allowAnyUid?: boolean;
}

export interface ConnectOptions {
  schema?: SchemaModule;
  fingerprint?: bigint | number;
  /** Milliseconds for the listener to appear and the handshake to finish (default 5000). */
  timeout?: number;
}

export interface WaitOptions {
  /** Milliseconds to wait at most (TimeoutError after). Default: no limit. */
  timeout?: number;
}

export interface Stats {
  messages: number;
  bytes: number;
  publishes: number;
  fullEvents: number;
  sleeps: number;
  wakes: number;
}

/** A received message copied out of the ring: safe to keep. */
export class Message {
  private constructor();
  readonly typeId: number;
  /** A Buffer at run time (a Uint8Array subclass). */
  readonly data: Uint8Array;
  readonly size: number;
}

export interface BatchItem {
  typeId: number;
  size: number;
  offset: number;
  data: Uint8Array;
}

/**
 * Messages read in place. `buffer` is an external ArrayBuffer over the ring: message i
 * is size(i) bytes at offset(i). commit() hands them back to the producer and detaches
 * `buffer` (every view of it then has byteLength 0).
 */
export class Batch implements Iterable<BatchItem> {
  private constructor();
  readonly length: number;
  readonly buffer: ArrayBuffer;
  readonly view: DataView;
  readonly committed: boolean;
  readonly typeIds: Uint32Array;
  readonly offsets: Uint32Array;
  readonly sizes: Uint32Array;
  typeId(i: number): number;
  size(i: number): number;
  offset(i: number): number;
  data(i: number): Uint8Array;
  commit(): void;
  [Symbol.iterator](): Iterator<BatchItem>;
}

/** One message read in place; `data` and `view` are detached by commit(). */
export class RxMessage {
  private constructor();
  readonly typeId: number;
  readonly size: number;
  readonly data: Uint8Array;
  readonly view: DataView;
  readonly committed: boolean;
  commit(): void;
}

/** One side of a bus: Bus.listen() receives, Bus.connect() sends. */
export class Bus implements AsyncIterable<Message> {
  private constructor();
  static listen(path: string, capacity: number, options?: ListenOptions): Promise<Bus>;
  static connect(path: string, options?: ConnectOptions): Promise<Bus>;

  readonly role: 'consumer' | 'producer';
  readonly capacity: number;
  readonly maxMessageSize: number;
  readonly fingerprint: bigint;
  readonly closed: boolean;
  /** Spins of a wait before it sleeps (default 2048). */
  set spin(n: number);
  peerAlive(): boolean;
  stats(): Stats;
  close(): void;

  send(data: Bytes, typeId?: number, options?: WaitOptions): Promise<void>;
  trySend(data: Bytes, typeId?: number): boolean;
  /** One message per `recordSize` bytes of `records`; typeIds: one for all or one per record. */
  sendBatch(records: Bytes, recordSize: number, typeIds?: number | Uint32Array, options?: WaitOptions): Promise<void>;
  flush(): void;
  /** fill(slot) writes the message in place; it may return the bytes it used (<= size). */
  sendZeroCopy(size: number, typeId: number, fill: (slot: Uint8Array) => number | void,
    options?: WaitOptions): Promise<void>;
  trySendZeroCopy(size: number, typeId: number, fill: (slot: Uint8Array) => number | void): boolean;

  drainBatch(max?: number): Batch;
  recvBatch(max?: number, options?: WaitOptions): Promise<Batch | null>;
  recvZeroCopy(options?: WaitOptions): Promise<RxMessage | null>;
  tryRecvZeroCopy(): RxMessage | null;
  recv(options?: WaitOptions): Promise<Message | null>;
  tryRecv(): Message | null;
  batches(max?: number): AsyncGenerator<Batch, void, undefined>;
  [Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined>;
}

/** Base class of every error of a bus call. */
export class TachyonError extends Error {
  /** The C name, e.g. 'TACHYON_ERR_PEER_GONE'. */
  readonly code: string;
  /** The tachyon_error_t value. */
  readonly number: number;
  /** The errno behind it when a system call failed (always for SystemError), else 0. */
  readonly errno: number;
}

// One class per tachyon_error_t value (tachyon.h); the tests check this list against it.
export class InvalidArgError extends TachyonError {}
export class NoMemoryError extends TachyonError {}
export class SystemError extends TachyonError {}
export class PathTooLongError extends TachyonError {}
export class AddrInUseError extends TachyonError {}
export class NoListenerError extends TachyonError {}
export class PermissionError extends TachyonError {}
export class HandshakeError extends TachyonError {}
export class AbiMismatchError extends TachyonError {}
export class ByteOrderError extends TachyonError {}
export class AlignmentError extends TachyonError {}
export class CapacityError extends TachyonError {}
export class SchemaMismatchError extends TachyonError {}
export class TimeoutError extends TachyonError {}
export class InterruptedError extends TachyonError {}
export class FullError extends TachyonError {}
export class EmptyError extends TachyonError {}
export class TooLargeError extends TachyonError {}
export class PeerGoneError extends TachyonError {}
export class CorruptError extends TachyonError {}
export class StateError extends TachyonError {}
export class LaggedError extends TachyonError {}

export const errorClasses: { readonly [name: string]: typeof TachyonError };

/** schema.decode() of a message read in place (Batch entry i, RxMessage) or copied (Message). */
export function decode(schema: SchemaModule, msg: Batch, i: number): unknown;
export function decode(schema: SchemaModule, msg: RxMessage | Message): unknown;

export const VERSION: string;
export const LIBRARY_VERSION: string;
export const ABI_VERSION: number;
export const FRAME_ALIGN: number;
export const FRAME_HEADER: number;
export const BATCH: number;
export const MIN_CAPACITY: number;
export const MAX_CAPACITY: number;
export const MAX_BATCH: number;
export * from './rpc';
export * from './topology';
