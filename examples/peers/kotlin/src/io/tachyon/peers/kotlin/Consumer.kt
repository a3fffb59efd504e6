// The Kotlin consumer of the example streams: listens, reads every message in
// place through the tachc-generated value classes (decoded by type id) from
// the binding's Sequence of messages, and checks it against the deterministic
// stream (type, every field, order, count) until End.
//
//   kotlin_consumer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--capacity BYTES]
@file:JvmName("Consumer")

package io.tachyon.peers.kotlin

import io.tachyon.Message
import io.tachyon.TachyonException
import io.tachyon.generated.frames.Frame
import io.tachyon.generated.market.MSG_ASK
import io.tachyon.generated.market.MarketTick
import io.tachyon.generated.market.messageName
import io.tachyon.kotlin.listen
import io.tachyon.kotlin.messages
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
    fun tick(msg: Message): Boolean {
        val i = received
        val typeId = msg.typeId()
        val tick = decodeMarket(typeId, msg.segment()) as MarketTick? ?: run {
            if (msg.size() != 0L) throw Mismatch("tick $i: End with ${msg.size()} bytes")
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
    fun frame(msg: Message): Boolean {
        val i = received
        val view = decodeFrames(msg.typeId(), msg.segment())
        if (view == null && msg.size() == 0L) return false
        val f = view as? Frame ?: throw Mismatch("frame $i: type ${msg.typeId()} is not a Frame")
        if (i >= a.count) throw Mismatch("more than the ${a.count} messages expected")
        for (k in 0 until Frame.SAMPLES_LEN) {
            val v = f.samples(k)
            if (v != frameSample(i, k)) throw Mismatch("frame $i sample $k is $v, expected ${frameSample(i, k)}")
            checksum += v.toULong()
        }
        received++
        return true
    }
}

fun main(argv: Array<String>) {
    val a = Args.parse("consumer", argv)
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
    var start = 0L
    var ended = false
    try {
        bus.use {
            for (msg in it.messages()) {
                if (start == 0L) start = System.nanoTime()
                if (!(if (a.market) t.tick(msg) else t.frame(msg))) {
                    ended = true
                    break
                }
            }
        }
    } catch (e: RuntimeException) {
        System.err.println("consumer: after ${t.received} messages, before End: ${e.message}")
        exitProcess(EXIT_FAIL)
    }
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
    println("consumer: OK, every field of every message checked")
}
