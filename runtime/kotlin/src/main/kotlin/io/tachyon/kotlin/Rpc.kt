/*
 * Kotlin idioms over the Java RPC binding (io.tachyon.RpcClient, RpcServer): connections opened with named
 * arguments and kotlin.time durations, replies read in place inside a lambda (released when it returns), and the
 * generated clients and server interfaces of `tachc gen --lang kotlin`.
 *
 * ```
 * rpcConnect("@pricing").use { conn ->
 *     val price = PricingClient(conn).quote(request, 1.seconds) { it.price }
 * }
 * ```
 */
package io.tachyon.kotlin

import io.tachyon.Options
import io.tachyon.RpcClient
import io.tachyon.RpcReply
import io.tachyon.RpcServer
import java.lang.foreign.MemorySegment
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/** A kotlin.time timeout as the Java binding takes it: null (and [Duration.INFINITE]) for none (the generated stubs use it). */
fun Duration?.toRpcTimeout(): java.time.Duration? = if (this == null || isInfinite()) null else toJavaDuration()

private fun rpcOptions(fingerprint: ULong, timeout: Duration?, anyUid: Boolean): Options {
    var o = Options.defaults().withFingerprint(fingerprint.toLong())
    if (timeout != null) {
        o = o.withTimeout(if (timeout.isInfinite()) Options.FOREVER else timeout.toJavaDuration())
    }
    return if (anyUid) o.withAnyUid() else o
}

/**
 * Listens on [path] for one RPC client, with two rings of [capacity] bytes; [timeout] bounds the wait (null:
 * forever). Serve it with a generated server interface's `serve`.
 */
fun rpcListen(
    path: String,
    capacity: Long = 1L shl 16,
    fingerprint: ULong = 0uL,
    timeout: Duration? = null,
    allowAnyUid: Boolean = false,
): RpcServer = RpcServer.listen(path, capacity, rpcOptions(fingerprint, timeout, allowAnyUid))

/** Connects to the RPC server on [path] (waiting up to [timeout] for it, 5 s when null). */
fun rpcConnect(path: String, fingerprint: ULong = 0uL, timeout: Duration? = null): RpcClient =
    RpcClient.connect(path, rpcOptions(fingerprint, timeout, false))

/** The blocking call with a kotlin.time timeout; [read] sees the reply in place, which is released after it. */
fun <R> RpcClient.call(
    methodId: Int,
    request: MemorySegment,
    replyMax: Long,
    timeout: Duration? = null,
    read: (RpcReply) -> R,
): R = call(methodId, request, replyMax, timeout.toRpcTimeout()).use(read)

/** Pipelined: sends a call and returns its id; its outcome comes from [nextReply]. */
fun RpcClient.send(methodId: Int, request: MemorySegment, replyMax: Long, timeout: Duration? = null): Long =
    send(methodId, request, replyMax, timeout.toRpcTimeout())

/** The next outcome of a pending call, read in place inside [read] (see [RpcClient.nextReply]). */
fun <R> RpcClient.nextReply(timeout: Duration? = null, read: (RpcReply) -> R): R =
    nextReply(timeout.toRpcTimeout()).use(read)
