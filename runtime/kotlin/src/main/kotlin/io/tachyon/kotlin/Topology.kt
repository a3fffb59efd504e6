/*
 * Kotlin idioms over the Java binding's topologies (io.tachyon.FanOut, Subscriber, FanIn, WaitSet): named
 * arguments, kotlin.time durations, receives that suspend on Dispatchers.IO (cancelled through Thread.interrupt),
 * and cold Flows of copied messages.
 *
 *     listenFanOut("@ticks", policy = LagPolicy.DROP).use { pub -> pub.send(bytes, typeId = 1) }
 *     subscribe("@ticks").use { sub -> sub.messages().collect { println(it.typeId) } }
 */
package io.tachyon.kotlin

import io.tachyon.FanIn
import io.tachyon.FanOut
import io.tachyon.Join
import io.tachyon.LagPolicy
import io.tachyon.Options
import io.tachyon.Received
import io.tachyon.Sender
import io.tachyon.Subscriber
import io.tachyon.TachyonException
import io.tachyon.WaitSet
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.runInterruptible
import java.lang.foreign.MemorySegment
import kotlin.time.Duration
import kotlin.time.toJavaDuration

private fun topologyOptions(fingerprint: ULong, timeout: Duration?, anyUid: Boolean): Options {
    var o = Options.defaults().withFingerprint(fingerprint.toLong())
    if (timeout != null) {
        o = o.withTimeout(if (timeout.isInfinite()) Options.FOREVER else timeout.toJavaDuration())
    }
    if (anyUid) {
        o = o.withAnyUid()
    }
    return o
}

/**
 * Creates the producer of a fan-out on [path]: every subscriber reads each message. [policy] says what happens to
 * a subscriber that falls behind ([LagPolicy.BLOCK]: the producer waits; [LagPolicy.DROP]: it is dropped).
 */
fun listenFanOut(
    path: String,
    capacity: Long = 1L shl 20,
    policy: LagPolicy = LagPolicy.BLOCK,
    fingerprint: ULong = 0uL,
    allowAnyUid: Boolean = false,
): FanOut = FanOut.listen(path, capacity, policy, topologyOptions(fingerprint, null, allowAnyUid))

/** Joins the fan-out on [path] at the newest (default) or the oldest message; [timeout] null: 5 s. */
fun subscribe(
    path: String,
    join: Join = Join.NEWEST,
    fingerprint: ULong = 0uL,
    timeout: Duration? = null,
): Subscriber = Subscriber.connect(path, join, topologyOptions(fingerprint, timeout, false))

/** Creates a fan-in consumer on [path]; producers connect with [connect], exactly as to a bus. */
fun listenFanIn(
    path: String,
    capacity: Long = 1L shl 16,
    fingerprint: ULong = 0uL,
    allowAnyUid: Boolean = false,
): FanIn = FanIn.listen(path, capacity, topologyOptions(fingerprint, null, allowAnyUid))

/** Reserves [size] bytes, lets [write] fill them in place, and publishes them to every subscriber. */
inline fun FanOut.send(size: Int, typeId: Int, write: (MemorySegment) -> Unit) {
    acquireTx(size.toLong()).use { tx ->
        write(tx.segment())
        tx.commit(size.toLong(), typeId)
    }
}

/** Publishes a copy of [data] from a suspending caller, waiting for room on [Dispatchers.IO]. */
suspend fun FanOut.sendAsync(data: ByteArray, typeId: Int) =
    runInterruptible(Dispatchers.IO) { cancellableWait { send(data, typeId) } }

/**
 * Waits for the next message without blocking the caller's thread; [read] looks at it in place on
 * [Dispatchers.IO] before it is released. Throws [TachyonException.PeerGone] at the end of the stream and
 * [TachyonException.Lagged] after a drop ([Subscriber.rejoin]). [timeout] null: no deadline.
 */
suspend fun <R> Subscriber.receiveAsync(timeout: Duration? = null, read: (Received) -> R): R =
    runInterruptible(Dispatchers.IO) {
        cancellableWait { (if (timeout == null) receive() else receive(timeout.toJavaDuration())).use(read) }
    }

/** [Subscriber.receiveAsync] for a fan-in: [Received.sender] says who sent it. */
suspend fun <R> FanIn.receiveAsync(timeout: Duration? = null, read: (Received) -> R): R =
    runInterruptible(Dispatchers.IO) {
        cancellableWait { (if (timeout == null) receive() else receive(timeout.toJavaDuration())).use(read) }
    }

/** A message copied out of the ring, as a [Flow] emits it. [sender] is null for a fan-out's. */
class Delivery(val typeId: Int, val data: ByteArray, val sender: Sender?) {
    override fun toString(): String = "Delivery(typeId=$typeId, size=${data.size}, sender=${sender?.id})"
}

private fun Received.delivery() = Delivery(typeId(), toByteArray(), sender())

/**
 * The messages as they arrive, copied out, read on [Dispatchers.IO] (cancelling the collector interrupts the wait). The flow completes when the producer closed
 * and everything it published was read. After a drop it rejoins at [rejoinAt] and goes on (messages in between
 * are lost), or, with [rejoinAt] null, fails with [TachyonException.Lagged]. Collect it once at a time.
 */
fun Subscriber.messages(rejoinAt: Join? = null): Flow<Delivery> = flow {
    while (true) {
        val d = try {
            runInterruptible { cancellableWait { receive().use { it.delivery() } } }
        } catch (_: TachyonException.PeerGone) {
            return@flow
        } catch (e: TachyonException.Lagged) {
            rejoin(rejoinAt ?: throw e)
            continue
        }
        emit(d)
    }
}.flowOn(Dispatchers.IO)

/** A fan-in's messages as they arrive, copied out with their senders. It never completes by itself. */
fun FanIn.messages(): Flow<Delivery> = flow {
    while (true) {
        emit(runInterruptible { cancellableWait { receive().use { it.delivery() } } })
    }
}.flowOn(Dispatchers.IO)

/**
 * Suspends until a member has something to read and returns their keys (empty when [timeout] passed first);
 * the wait runs on [Dispatchers.IO]. Read the members with their non-blocking `tryReceive`.
 */
suspend fun WaitSet.awaitReady(timeout: Duration? = null): LongArray = runInterruptible(Dispatchers.IO) {
    cancellableWait { if (timeout == null) waitReady() else waitReady(timeout.toJavaDuration()) }
}

/**
 * A wait ended by Thread.interrupt is [TachyonException.Interrupted] with the flag set; runInterruptible turns
 * only an InterruptedException into the coroutine's cancellation.
 */
private inline fun <R> cancellableWait(block: () -> R): R = try {
    block()
} catch (e: TachyonException.Interrupted) {
    if (!Thread.currentThread().isInterrupted) throw e
    throw InterruptedException(e.message).apply { initCause(e) }
}
