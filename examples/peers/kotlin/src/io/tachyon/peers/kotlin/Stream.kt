// What the Kotlin producer and consumer share: the command line and the
// deterministic streams every language generates and checks
// (examples/peers/README.md).
package io.tachyon.peers.kotlin

import io.tachyon.generated.market.MSG_ASK
import io.tachyon.generated.market.MSG_BID
import java.time.Instant
import kotlin.system.exitProcess
import io.tachyon.generated.frames.SCHEMA_FINGERPRINT as FRAMES_FINGERPRINT
import io.tachyon.generated.market.SCHEMA_FINGERPRINT as MARKET_FINGERPRINT

const val EXIT_FAIL = 1
const val EXIT_USAGE = 2
const val EXIT_SCHEMA = 3

class Args(
    val socket: String,
    val market: Boolean,
    val count: Long,
    val clock: Boolean,
    val capacity: Long,
    val quiet: Boolean,
    val warmup: Long,
) {
    /** The schema fingerprint the bus is bound to. */
    val fingerprint: ULong get() = if (market) MARKET_FINGERPRINT else FRAMES_FINGERPRINT

    companion object {
        fun parse(role: String, argv: Array<String>): Args {
            var socket: String? = null
            var stream = "market"
            var stamp = "index"
            var count = 100_000L
            var capacity = 1L shl 22
            var quiet = false
            var warmup = 0L
            fun usage(why: String): Nothing {
                System.err.println("kotlin_$role: $why")
                System.err.println(
                    "usage: $role --socket PATH [--stream market|frames] [--count N] " +
                        "[--stamp index|clock] [--capacity BYTES] [--quiet] [--warmup N]",
                )
                exitProcess(EXIT_USAGE)
            }
            var i = 0
            while (i < argv.size) {
                fun value(): String = argv.getOrNull(++i) ?: usage("${argv[i - 1]} needs a value")
                when (argv[i]) {
                    "--socket" -> socket = value()
                    "--stream" -> stream = value()
                    "--count" -> count = value().toLongOrNull() ?: usage("--count needs a number")
                    "--stamp" -> stamp = value()
                    "--capacity" -> capacity = value().toLongOrNull() ?: usage("--capacity needs a number")
                    "--quiet" -> quiet = true
                    "--warmup" -> warmup = value().toLongOrNull() ?: usage("--warmup needs a number")
                    else -> usage("unknown option ${argv[i]}")
                }
                i++
            }
            if (socket == null || stream !in setOf("market", "frames") || stamp !in setOf("index", "clock") ||
                count < 0 || warmup < 0
            ) {
                usage("bad command line")
            }
            return Args(socket, stream == "market", count, stamp == "clock", capacity, quiet, warmup)
        }
    }
}

private val SYMBOLS = arrayOf("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRP")
private const val BASE_NS = 1_700_000_000_000_000_000uL

/** Bid, except every third tick is an Ask. */
fun tickType(i: Long): Int = if (i % 3 == 2L) MSG_ASK else MSG_BID

fun tickSymbol(i: Long): String = SYMBOLS[(i % 5).toInt()]

/** Exact in binary: quarters. */
fun tickPrice(i: Long): Double = 1000.0 + (i % 1_000_003) * 0.25

/** (i * 2654435761) mod 2^32: uses all 32 bits. */
fun tickQuantity(i: Long): UInt = (i * 2654435761L).toUInt()

fun tickTimestamp(i: Long): ULong = BASE_NS + i.toULong() * 1000uL

/** Exact in float32: below 2^24. */
fun frameSample(i: Long, k: Int): Float = ((i % 65536) * 256 + k).toFloat()

/** CLOCK_REALTIME in nanoseconds, what clock stamps carry. */
fun realtimeNs(): ULong = Instant.now().let { (it.epochSecond * 1_000_000_000L + it.nano).toULong() }

/** Sorts the samples (ns) and formats their percentiles in microseconds. */
fun latencyLine(samples: LongArray): String {
    samples.sort()
    val n = samples.size
    fun at(q: Double) = samples[((n - 1) * q).toInt()] / 1000.0
    return "one-way latency (us): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f".format(
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        samples[n - 1] / 1000.0,
    )
}
