// Type declarations of the `tachyon` package's RPC (rpc.js over src/rpc.c).
import type { Bytes, ConnectOptions, ListenOptions, WaitOptions } from './index';

/** What a server answered (tachyon_rpc_status_t). */
export declare const RpcStatus: {
  readonly OK: 0;
  readonly UNKNOWN_METHOD: 1;
  readonly APP_ERROR: 2;
  readonly BAD_REQUEST: 3;
};
export type RpcStatusValue = 0 | 1 | 2 | 3;

/** The app code a call gets when its handler threw anything but an RpcStatusError. */
export declare const HANDLER_EXCEPTION: 0xffffffff;

/** A call the server answered with something other than OK; thrown by a handler to refuse its call. */
export declare class RpcStatusError extends Error {
  constructor(status: RpcStatusValue, appCode?: number);
  static appError(code: number): RpcStatusError;
  readonly status: RpcStatusValue;
  readonly appCode: number;
}

/** A reply held in place in the client's ring until release(). */
export declare class RpcReply {
  private constructor();
  readonly callId: bigint;
  readonly methodId: number;
  readonly status: RpcStatusValue;
  readonly appCode: number;
  /** The body in the ring; detached (byteLength 0) after release(). */
  readonly body: ArrayBuffer;
  readonly ok: boolean;
  release(): void;
}

export interface RpcListenOptions extends ListenOptions {
  /** Bytes of each ring (a power of two; default 65536). */
  capacity?: number;
}

/** One method of a dispatch table: its id and exact request and reply body sizes. */
export interface RpcMethod {
  id: number;
  requestSize: number;
  replySize: number;
}

/** The client side of an RPC connection. */
export declare class RpcClient {
  private constructor();
  static connect(path: string, options?: ConnectOptions): Promise<RpcClient>;
  /** The call as a promise: its reply, held until release(). */
  call(methodId: number, request: Bytes | undefined, replyMax: number, options?: WaitOptions): Promise<RpcReply>;
  /** Pipelined: sends a call and returns its id; its outcome comes from nextReply(). */
  send(methodId: number, request: Bytes | undefined, replyMax: number, options?: WaitOptions): bigint;
  /** Pipelined, zero-copy: fill writes the request in the ring. */
  sendInPlace(methodId: number, size: number, replyMax: number, fill: (slot: Uint8Array) => void,
    options?: WaitOptions): bigint;
  /** The next outcome of a pending call; a call's own failure rejects with an error carrying `callId`. */
  nextReply(options?: WaitOptions): Promise<RpcReply>;
  /** OK and exactly `size` bytes, else RpcStatusError / CorruptError (the reply is then released). */
  checkReply(reply: RpcReply, size: number): RpcReply;
  /** Forgets pending call `callId` (its reply, if it comes, is dropped). */
  cancel(callId: bigint): void;
  readonly pending: number;
  readonly closed: boolean;
  close(): void;
}

/** A request held in place in the server's ring until its reply is committed (or it is deferred). */
export interface RpcRequest {
  callId: bigint;
  methodId: number;
  body: ArrayBuffer;
}

/** The server side of an RPC connection. */
export declare class RpcServer {
  private constructor();
  static listen(path: string, options?: RpcListenOptions): Promise<RpcServer>;
  nextRequest(options?: WaitOptions): Promise<RpcRequest>;
  replyStart(size: number, options?: WaitOptions): ArrayBuffer;
  replyCommit(status?: RpcStatusValue, appCode?: number): void;
  defer(): void;
  replyTo(callId: bigint, methodId: number, status: RpcStatusValue, appCode: number, body: Bytes | undefined,
    options?: WaitOptions): void;
  /** Dispatches until the client goes (resolves) or options.timeout passes (TimeoutError). */
  serve(methods: readonly RpcMethod[], handler: (index: number, request: ArrayBuffer, reply: ArrayBuffer) => void,
    options?: WaitOptions): Promise<void>;
  readonly closed: boolean;
  close(): void;
}
