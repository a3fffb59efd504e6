// Type declarations of the `tachyon` package's fan-out, fan-in and wait-sets (topology.js).
import type { Bus, Bytes, SchemaModule } from './index';

/** Who sent a fan-in's message. */
export interface Sender {
  /** Producers numbered from 1 in the order they joined this fan-in (never reused). */
  readonly id: number;
  /** The producer's process id. */
  readonly pid: number;
  /** Its place in the fan-in's table (0..63, reused after it left). */
  readonly slot: number;
}

/** A message held in place in the ring until commit(), which detaches `view`. */
export class HeldMessage {
  readonly typeId: number;
  /** The payload, in place (byteLength 0 after the commit). */
  readonly view: Uint8Array;
  /** The sender (fan-in), or null (fan-out). */
  readonly sender: Sender | null;
  readonly size: number;
  readonly committed: boolean;
  /** A copy of the payload. */
  copy(): Uint8Array;
  /** Releases the message; LaggedError if the subscriber was dropped while it held it. */
  commit(): void;
}

/** A received message copied out of the ring. */
export class Delivery {
  readonly typeId: number;
  readonly data: Uint8Array;
  readonly sender: Sender | null;
}

export interface FanOutOptions {
  /** 'block' (default): the producer waits for the slowest subscriber; 'drop': a laggard is dropped. */
  policy?: 'block' | 'drop';
  schema?: SchemaModule;
  fingerprint?: bigint | number;
  allowAnyUid?: boolean;
}

export interface SubscribeOptions {
  /** 'newest' (default): from the next message; 'oldest': from the oldest still in the ring. */
  join?: 'newest' | 'oldest';
  schema?: SchemaModule;
  fingerprint?: bigint | number;
  /** Milliseconds for the producer to appear (default 5000). */
  timeout?: number;
}

export interface FanInOptions {
  schema?: SchemaModule;
  fingerprint?: bigint | number;
  allowAnyUid?: boolean;
}

export interface TimeoutOption {
  /** Milliseconds (default: no limit). */
  timeout?: number;
}

/** The producer of a fan-out. */
export class FanOut {
  private constructor();
  static listen(path: string, capacity: number, options?: FanOutOptions): FanOut;
  readonly subscribers: number;
  readonly maxMessageSize: number;
  readonly closed: boolean;
  trySend(data: Bytes, typeId?: number): boolean;
  send(data: Bytes, typeId?: number, options?: TimeoutOption): Promise<void>;
  trySendZeroCopy(size: number, typeId: number, fill: (view: Uint8Array) => void): boolean;
  close(): void;
}

/** What Subscriber and FanIn share: receives in place or copied, without blocking the loop. */
declare class Consumer implements AsyncIterable<HeldMessage> {
  readonly closed: boolean;
  tryRecvZeroCopy(): HeldMessage | null;
  tryRecv(): Delivery | null;
  recvZeroCopy(options?: TimeoutOption): Promise<HeldMessage>;
  recv(options?: TimeoutOption): Promise<Delivery>;
  [Symbol.asyncIterator](): AsyncIterator<HeldMessage>;
  close(): void;
}

/** A subscriber of a FanOut. */
export class Subscriber extends Consumer {
  private constructor();
  static connect(path: string, options?: SubscribeOptions): Promise<Subscriber>;
  rejoin(join?: 'newest' | 'oldest'): void;
}

/** The consumer of a fan-in (producers: Bus.connect(path)). */
export class FanIn extends Consumer {
  private constructor();
  static listen(path: string, capacity: number, options?: FanInOptions): FanIn;
  readonly producers: number;
}

/** One wait over many consumers. */
export class WaitSet {
  constructor();
  add(member: Bus | Subscriber | FanIn, key: number): void;
  remove(key: number): void;
  readonly size: number;
  poll(): number[];
  wait(options?: TimeoutOption): Promise<number[]>;
  readonly fd: number;
  close(): void;
}
