// The Kotlin producer of the example streams: connects to a consumer (waiting
// for it to listen), writes every message in place in the ring through the
// tachc-generated value classes (generated/kotlin), then sends End.
//
//   kotlin_producer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--quiet] [--warmup N]
@file:JvmName("Producer")

package io.tachyon.peers.kotlin

import io.tachyon.Bus
import io.tachyon.Role
import io.tachyon.TachyonException
import io.tachyon.generated.frames.Frame
import io.tachyon.generated.market.MSG_ASK
import io.tachyon.generated.market.MarketTick
import io.tachyon.kotlin.connect
import io.tachyon.kotlin.send
import java.lang.foreign.Arena
import java.lang.management.ManagementFactory
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.concurrent.thread
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.seconds
import io.tachyon.generated.frames.MSG_END as FRAMES_END
import io.tachyon.generated.frames.MSG_FRAME as FRAMES_FRAME
import io.tachyon.generated.market.MSG_END as MARKET_END

private val threads = ManagementFactory.getThreadMXBean()

/**
 * CPU ns of this thread when the measured part of the stream began (the first block at or past its middle, after
 * the JIT warmed up), and how many messages were sent from then on.
 */
private var halfCpuNs = -1L
private var measured = 0L

/**
 * Messages go out in blocks of [BLOCK], one call each: the JIT compiles a block's loop as a whole function (no
 * on-stack replacement of one long loop), and the clock is read between blocks, not by a branch in the hot loop
 * first taken half-way through (which would send the compiled loop back to the interpreter as the measurement
 * starts).
 */
private const val BLOCK = 1024L

private fun markHalf(a: Args, i: Long) {
    if (halfCpuNs < 0 && i >= a.count / 2) {
        halfCpuNs = threads.currentThreadCpuTime
        measured = a.count - i
    }
}

/** Sends the ticks and End; returns how many were asks. */
fun sendMarket(bus: Bus, a: Args): Long {
    var asks = 0L
    for (i in 0 until a.count step BLOCK) {
        markHalf(a, i)
        asks += sendTicks(bus, a.clock, i, minOf(a.count, i + BLOCK))
    }
    bus.send(ByteArray(0), MARKET_END)
    return asks
}

/** Ticks [from] until [to], each written in place through the generated value class; returns the asks. */
fun sendTicks(bus: Bus, clock: Boolean, from: Long, to: Long): Long {
    var asks = 0L
    for (i in from until to) {
        val typeId = tickType(i)
        bus.send(MarketTick.SIZE, typeId) { slot ->
            val tick = MarketTick(slot).clear() // the padding travels as zeros
            tick.symbol = tickSymbol(i)
            tick.price = tickPrice(i)
            tick.quantity = tickQuantity(i)
            tick.timestamp = if (clock) realtimeNs() else tickTimestamp(i)
        }
        if (typeId == MSG_ASK) asks++
    }
    return asks
}

fun sendFrames(bus: Bus, a: Args) {
    for (i in 0 until a.count step BLOCK) {
        markHalf(a, i)
        sendFrameBlock(bus, i, minOf(a.count, i + BLOCK))
    }
    bus.send(ByteArray(0), FRAMES_END)
}

fun sendFrameBlock(bus: Bus, from: Long, to: Long) {
    for (i in from until to) {
        bus.send(Frame.SIZE, FRAMES_FRAME) { slot ->
            val frame = Frame(slot)
            for (k in 0 until Frame.SAMPLES_LEN) frame.setSamples(k, frameSample(i, k))
        }
    }
}

/**
 * `--warmup N`: sends N messages of the stream through the same code into a ring inside this process, drained by a
 * second thread and dropped, before connecting, so that the JIT has compiled the send loop before the real stream
 * starts: the figures are those of a producer that has been running for a while, not of the JVM's start. The ring is
 * small, so the loop also finds it full and waits for room, as it will against a real consumer: a wait the warm-up
 * never made would be a branch the JIT compiled as never taken, and the real stream's first full ring would send the
 * compiled loop back to the interpreter (an uncommon trap) in the middle of the figure.
 */
fun warmUp(a: Args) {
    val capacity = 1L shl 16
    Arena.ofShared().use { memory ->
        val ring = memory.allocate(Bus.arenaSize(capacity), 64)
        Bus.formatArena(ring, capacity, a.fingerprint.toLong())
        Bus.attachArena(ring, Role.CONSUMER).use { rx ->
            val sending = AtomicBoolean(true)
            val drain = thread(name = "warm-up drain") {
                while (sending.get()) {
                    // on the producer's CPU when it is pinned to one
                    if (rx.drainBatch(4096).use { it.isEmpty }) Thread.yield()
                }
            }
            Bus.attachArena(ring, Role.PRODUCER).use { tx ->
                try {
                    for (i in 0 until a.warmup step BLOCK) {
                        val to = minOf(a.warmup, i + BLOCK)
                        if (a.market) sendTicks(tx, a.clock, i, to) else sendFrameBlock(tx, i, to)
                    }
                } finally {
                    sending.set(false) // before the producer side closes: the drain never sees it gone
                    drain.join()
                }
            }
        }
    }
}

fun main(argv: Array<String>) {
    val a = Args.parse("producer", argv)
    if (a.warmup > 0) warmUp(a)
    val bus = try {
        connect(a.socket, fingerprint = a.fingerprint, timeout = 10.seconds)
    } catch (e: TachyonException.SchemaMismatch) {
        System.err.println("producer: refused at connect: schema mismatch (${e.message})")
        exitProcess(EXIT_SCHEMA)
    } catch (e: TachyonException) {
        System.err.println("producer: connect ${a.socket}: ${e.message}")
        exitProcess(EXIT_FAIL)
    }
    val start = System.nanoTime()
    val what = try {
        bus.use {
            if (a.market) {
                val asks = sendMarket(it, a)
                "${a.count} ticks (${a.count - asks} bid, $asks ask)"
            } else {
                sendFrames(it, a)
                "${a.count} frames of ${Frame.SIZE} bytes"
            }
        }
    } catch (e: TachyonException) {
        System.err.println("producer: ${e.message}")
        exitProcess(EXIT_FAIL)
    }
    val endCpuNs = threads.currentThreadCpuTime
    val secs = (System.nanoTime() - start) / 1e9
    if (!a.quiet) {
        println("producer: sent $what + End")
        println("producer: %.3f s, %.2f M msg/s".format(secs, a.count / secs / 1e6))
        if (halfCpuNs >= 0 && measured > 0) {
            println(
                "producer: %.1f ns of CPU per message after warm-up (main thread, second half)"
                    .format((endCpuNs - halfCpuNs) / measured.toDouble()),
            )
        }
    }
}
