/*
 * Kotlin idioms over the Java binding (io.tachyon): buses opened with named arguments and kotlin.time
 * durations, `use {}` for every guard, transactions as lambdas, a [Sequence] of received messages, and receives
 * that suspend on [Dispatchers.IO] and are cancelled through [Thread.interrupt].
 *
 * ```
 * connect("/tmp/feed.sock", fingerprint = SCHEMA_FINGERPRINT).use { bus ->
 *     bus.send(MarketTick.SIZE, MSG_BID) { slot -> MarketTick(slot).price = 101.25 }
 * }
 * ```
 */
package io.tachyon.kotlin

import io.tachyon.Batch
import io.tachyon.Bus
import io.tachyon.Inbox
import io.tachyon.Message
import io.tachyon.Options
import io.tachyon.TachyonException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runInterruptible
import java.lang.foreign.MemorySegment
import kotlin.time.Duration
import kotlin.time.toJavaDuration

private fun options(fingerprint: ULong, timeout: Duration?, anyUid: Boolean): Options {
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
 * Listens on [path] ("@name" for the abstract namespace) for one producer and returns the consumer side. Bind it
 * to a schema with [fingerprint] (the generated `SCHEMA_FINGERPRINT`); [timeout] bounds the wait (null: forever).
 */
fun listen(
    path: String,
    capacity: Long = 1L shl 22,
    fingerprint: ULong = 0uL,
    timeout: Duration? = null,
    allowAnyUid: Boolean = false,
): Bus = Bus.listen(path, capacity, options(fingerprint, timeout, allowAnyUid))

/** Connects to the consumer listening on [path] and returns the producer side. */
fun connect(path: String, fingerprint: ULong = 0uL, timeout: Duration? = null): Bus =
    Bus.connect(path, options(fingerprint, timeout, false))

/**
 * [connect] that waits up to [patience] for a listener to appear: libtachyon's connect itself waits for the socket
 * to be listened on until its timeout, so this is [connect] with [patience] as that timeout.
 */
fun connectRetrying(path: String, fingerprint: ULong = 0uL, patience: Duration): Bus =
    connect(path, fingerprint, patience)

/**
 * Reserves [size] bytes, lets [write] fill them in place and commits them as one message of [typeId]. If [write]
 * throws, nothing is sent. The segment is unusable after the call.
 */
inline fun Bus.send(size: Int, typeId: Int, write: (MemorySegment) -> Unit) {
    acquireTx(size.toLong()).use { tx ->
        write(tx.segment())
        tx.commit(size.toLong(), typeId)
    }
}

/** Receives one message, lets [read] look at it in place, then releases it; returns what [read] returns. */
inline fun <R> Bus.receive(read: (Message) -> R): R = receive().use(read)

/**
 * The messages as they arrive, each released when the next one is asked for. The sequence ends when the producer
 * closed and everything it sent was read. Iterate it once, on one thread. A loop that breaks out keeps its last
 * message until the bus closes, which closes it ([Bus.received] underneath).
 */
fun Bus.messages(): Sequence<Message> = received().asSequence()

/**
 * Each message of the batch this inbox holds, in order and in place: [action] gets its type id and payload, valid
 * until the inbox's next batch. Inline, so a compiled loop allocates nothing per message.
 * ```
 * bus.inbox(1024).use { inbox ->
 *     while (inbox.next()) inbox.forEachMessage { typeId, payload -> handle(typeId, payload) }
 * }
 * ```
 */
inline fun Inbox.forEachMessage(action: (typeId: Int, payload: MemorySegment) -> Unit) {
    for (i in 0 until count()) action(typeId(i), payload(i))
}

/**
 * Receives every message until the producer is gone, in batches of up to [batch] through an [Inbox] (one native
 * call takes a batch, one more releases it), and hands each to [action] in place; returns how many there were.
 * The binding's fastest way to read a whole stream. To stop at a message of your own, loop over [Bus.inbox]
 * instead: a batch is released whole, so what follows that message in its batch would be released unread.
 */
inline fun Bus.drain(batch: Int = 1024, action: (typeId: Int, payload: MemorySegment) -> Unit): Long {
    var n = 0L
    inbox(batch).use { inbox ->
        while (inbox.next()) {
            inbox.forEachMessage(action)
            n += inbox.count()
        }
    }
    return n
}

/** Each message of [Batch] as (type id, payload) pairs. */
fun Batch.asSequence(): Sequence<Pair<Int, MemorySegment>> = (0 until count()).asSequence().map {
    typeId(it) to
        segment(it)
}

/**
 * Waits for the next message without blocking the caller's thread: the wait runs on [Dispatchers.IO], where
 * [read] looks at the message in place before it is released (a message's memory belongs to the thread that
 * received it). Cancelling the coroutine interrupts the wait ([TachyonException.Interrupted] is then replaced by
 * the cancellation). [timeout] null: no deadline.
 */
suspend fun <R> Bus.receiveAsync(timeout: Duration? = null, read: (Message) -> R): R =
    runInterruptible(Dispatchers.IO) {
        interruptibly {
            val msg = if (timeout == null) receive() else receive(timeout.toJavaDuration())
            msg.use(read)
        }
    }

/** Sends a copy of [data] from a suspending caller: waits for room on [Dispatchers.IO]. */
suspend fun Bus.sendAsync(data: ByteArray, typeId: Int) =
    runInterruptible(Dispatchers.IO) { interruptibly { send(data, typeId) } }

/**
 * The binding reports a wait ended by Thread.interrupt as [TachyonException.Interrupted] and leaves the flag
 * set; runInterruptible turns only an [InterruptedException] into the coroutine's cancellation, so a cancelled
 * caller would otherwise see Interrupted instead of its CancellationException (withTimeout's among them).
 */
private inline fun <R> interruptibly(block: () -> R): R = try {
    block()
} catch (e: TachyonException.Interrupted) {
    if (!Thread.currentThread().isInterrupted) throw e
    throw InterruptedException(e.message).apply { initCause(e) }
}

/** The payload copied out of the ring, for keeping after the message is released. */
val Message.bytes: ByteArray get() = toByteArray()
