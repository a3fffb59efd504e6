// The Kotlin consumer of the example streams: listens, receives batches of up
// to 1024 messages through an Inbox (the binding's fast path), reads every
// message in place through the tachc-generated value classes (decoded by type
// id), and checks it against the deterministic stream (type, every field,
// order, count) until End. It also prints the receiving thread's CPU time per
// message over the second half of the stream (after the JIT warmed up, waits
// for the producer included).
//
// `--warmup N` first receives and checks N messages of the stream, sent by a
// thread of this process into a ring of its own, through the same code, before
// listening: the JIT has then compiled the receive loop, as a long-running
// consumer's would be.
//
//   kotlin_consumer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--capacity BYTES]
//                   [--warmup N]
@file:JvmName("Consumer")

package io.tachyon.peers.kotlin

import io.tachyon.Bus
import io.tachyon.Inbox
import io.tachyon.Role
import io.tachyon.TachyonException
import io.tachyon.generated.frames.Frame
import io.tachyon.generated.market.MSG_ASK
import io.tachyon.generated.market.MSG_END
import io.tachyon.generated.market.MarketTick
import io.tachyon.generated.market.messageName
import io.tachyon.kotlin.forEachMessage
import io.tachyon.kotlin.listen
import java.lang.foreign.Arena
import java.lang.foreign.MemorySegment
import java.lang.management.ManagementFactory
import kotlin.concurrent.thread
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.seconds
import io.tachyon.generated.frames.decode as decodeFrames
import io.tachyon.generated.market.decode as decodeMarket

/** A check failed: the message says which message and which field. */
class Mismatch(what: String) : RuntimeException(what)

class Tally(private val a: Args) {
    var received = 0L
    var asks = 0L
    var checksum = 0uL
    private var last = 0uL
    val latency: LongArray? = if (a.market &&
        a.clock
    ) {
        LongArray(a.count.coerceAtMost(Int.MAX_VALUE - 8L).toInt())
    } else {
        null
    }

    /** Checks tick [received]; false at End. */
    fun tick(typeId: Int, payload: MemorySegment): Boolean {
        val i = received
        val tick = decodeMarket(typeId, payload) as MarketTick? ?: run {
            if (payload.byteSize() != 0L) throw Mismatch("tick $i: End with ${payload.byteSize()} bytes")
            return false
        }
        if (i >= a.count) throw Mismatch("more than the ${a.count} messages expected")
        val symbol = tick.symbol
        val price = tick.price
        val quantity = tick.quantity
        val stamp = tick.timestamp
        if (typeId != tickType(i) || symbol != tickSymbol(i) || price != tickPrice(i) || quantity != tickQuantity(i) ||
            (!a.clock && stamp != tickTimestamp(i))
        ) {
            val got = "${messageName(typeId)} $symbol %.2f x $quantity @ $stamp".format(price)
            val expected = "%s %s %.2f x %s @ %s".format(
                messageName(tickType(i)),
                tickSymbol(i),
                tickPrice(i),
                tickQuantity(i),
                tickTimestamp(i),
            )
            throw Mismatch("tick $i differs: got $got, expected $expected")
        }
        if (a.clock) {
            val now = realtimeNs()
            if (stamp < last || stamp > now) throw Mismatch("tick $i: clock stamp $stamp after $last, received at $now")
            last = stamp
            latency?.let { if (i < it.size) it[i.toInt()] = (now - stamp).toLong() }
        }
        if (typeId == MSG_ASK) asks++
        checksum += quantity.toULong() + (price * 4).toULong()
        received++
        return true
    }

    /** Checks every sample of frame [received]; false at End. */
    fun frame(typeId: Int, payload: MemorySegment): Boolean {
        val i = received
        val view = decodeFrames(typeId, payload)
        if (view == null && payload.byteSize() == 0L) return false
        val f = view as? Frame ?: throw Mismatch("frame $i: type $typeId is not a Frame")
        if (i >= a.count) throw Mismatch("more than the ${a.count} messages expected")
        for (k in 0 until Frame.SAMPLES_LEN) {
            val v = f.samples(k)
            if (v != frameSample(i, k)) throw Mismatch("frame $i sample $k is $v, expected ${frameSample(i, k)}")
            checksum += v.toULong()
        }
        received++
        return true
    }

    var start = 0L // System.nanoTime() at the first batch
    var halfCpuNs = -1L // this thread's CPU time at the first batch at or past the middle
    var halfAt = 0L // messages received by then
    var endCpuNs = 0L

    /**
     * Receives and checks every batch until End (true) or the producer's leaving (false); notes the clock and CPU
     * times the figures come from ([half]: the message the measured part starts at).
     */
    fun run(inbox: Inbox, half: Long): Boolean {
        var ended = false
        while (!ended && inbox.next()) {
            if (start == 0L) start = System.nanoTime()
            if (halfCpuNs < 0 && received >= half) {
                halfCpuNs = threads.currentThreadCpuTime
                halfAt = received
            }
            ended = !batch(inbox)
        }
        endCpuNs = threads.currentThreadCpuTime
        return ended
    }

    /** Checks every message of the batch [inbox] holds; false at End. */
    fun batch(inbox: Inbox): Boolean {
        inbox.forEachMessage { typeId, payload ->
            if (!(if (a.market) tick(typeId, payload) else frame(typeId, payload))) return false
        }
        return true
    }
}

/** Messages per batch: one native call takes up to this many, one more releases them. */
const val BATCH = 1024

private val threads = ManagementFactory.getThreadMXBean()

/**
 * `--warmup`: receives and checks the first [Args.warmup] messages of the stream, in two streams of half each (the
 * first one's End, a branch never taken before it, sends the compiled loop back to the interpreter; the second gives
 * the JIT the time to compile it again), from a thread of this process that sends them into a small ring through
 * the Kotlin producer's code, before listening.
 */
fun warmUpReceiving(a: Args) {
    val first = maxOf(1L, a.warmup / 2)
    for (n in listOf(first, maxOf(1L, a.warmup - first))) {
        val w = Args(a.socket, a.market, n, a.clock, a.capacity, true, 0)
        val capacity = 1L shl 16
        // never freed: a sender left blocked by a failed check must not touch freed memory before the exit
        val ring = Arena.global().allocate(Bus.arenaSize(capacity), 64)
        Bus.formatArena(ring, capacity, a.fingerprint.toLong())
        Bus.attachArena(ring, Role.CONSUMER).use { rx ->
            rx.inbox(BATCH).use { inbox ->
                val tx = Bus.attachArena(ring, Role.PRODUCER)
                // a daemon: a failed check leaves it blocked on a full ring, and it must not keep the JVM
                val send = thread(isDaemon = true, name = "warm-up producer") {
                    tx.use {
                        for (i in 0 until n step BATCH.toLong()) {
                            val to = minOf(n, i + BATCH)
                            if (w.market) sendTicks(tx, w.clock, i, to) else sendFrameBlock(tx, i, to)
                        }
                        tx.send(ByteArray(0), MSG_END) // End is type 0 in both schemas
                    }
                }
                val t = Tally(w)
                if (!t.run(inbox, Long.MAX_VALUE) || t.received != n) {
                    throw Mismatch("the warm-up stream ended after ${t.received} of $n")
                }
                send.join()
            }
        }
    }
}

fun main(argv: Array<String>) {
    val a = Args.parse("consumer", argv)
    if (a.warmup > 0) {
        try {
            warmUpReceiving(a)
        } catch (e: RuntimeException) {
            System.err.println("consumer: warm-up: ${e.message}")
            exitProcess(EXIT_FAIL)
        }
    }
    val bus = try {
        listen(a.socket, capacity = a.capacity, fingerprint = a.fingerprint, timeout = 30.seconds)
    } catch (e: TachyonException.SchemaMismatch) {
        System.err.println("consumer: refused the producer: schema mismatch (${e.message})")
        exitProcess(EXIT_SCHEMA)
    } catch (e: TachyonException) {
        System.err.println("consumer: listen ${a.socket}: ${e.message}")
        exitProcess(EXIT_FAIL)
    }
    bus.setSpin(20000)
    val t = Tally(a)
    var ended = false
    try {
        bus.use { ended = it.inbox(BATCH).use { inbox -> t.run(inbox, (a.count + 1) / 2) } }
    } catch (e: RuntimeException) {
        System.err.println("consumer: after ${t.received} messages, before End: ${e.message}")
        exitProcess(EXIT_FAIL)
    }
    val start = t.start
    val halfCpuNs = t.halfCpuNs
    val halfAt = t.halfAt
    val endCpuNs = t.endCpuNs
    val secs = (System.nanoTime() - start) / 1e9
    if (!ended) {
        System.err.println("consumer: the producer left after ${t.received} messages, before End")
        exitProcess(EXIT_FAIL)
    }
    if (t.received != a.count) {
        System.err.println("consumer: End after ${t.received} messages, expected ${a.count}")
        exitProcess(EXIT_FAIL)
    }
    if (a.quiet) return
    val rate = t.received / secs
    if (a.market) {
        println(
            "consumer: %d ticks (%d bid, %d ask) + End in %.3f s: %.2f M msg/s, checksum %016x".format(
                t.received,
                t.received - t.asks,
                t.asks,
                secs,
                rate / 1e6,
                t.checksum.toLong(),
            ),
        )
    } else {
        println(
            "consumer: %d frames + End in %.3f s: %.0f frames/s, %.2f GB/s, checksum %016x".format(
                t.received,
                secs,
                rate,
                rate * Frame.SIZE / 1e9,
                t.checksum.toLong(),
            ),
        )
    }
    t.latency?.let { if (t.received > 0) println(latencyLine(it.copyOf(minOf(t.received, it.size.toLong()).toInt()))) }
    if (halfCpuNs >= 0 && t.received > halfAt) {
        println(
            "consumer: %.1f ns of CPU per message after warm-up (receiving thread, second half)".format(
                (endCpuNs - halfCpuNs) / (t.received - halfAt).toDouble(),
            ),
        )
    }
    println("consumer: OK, every field of every message checked")
}
