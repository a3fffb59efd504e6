// The Kotlin peer of the RPC matrix: serves Pricing with the generated PricingServer, or calls it with the
// generated PricingClient (200 blocking calls, 32 pipelined, Ping, an unknown method).
import io.tachyon.RpcStatus
import io.tachyon.generated.pricing.PricingClient
import io.tachyon.generated.pricing.PricingServer
import io.tachyon.generated.pricing.QuoteReply
import io.tachyon.generated.pricing.QuoteRequest
import io.tachyon.kotlin.call
import io.tachyon.kotlin.rpcConnect
import io.tachyon.kotlin.rpcListen
import java.lang.foreign.Arena
import java.lang.foreign.MemorySegment
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.seconds

private val T = 10.seconds

private class Pricer : PricingServer {
    override fun quote(request: QuoteRequest, reply: QuoteReply) {
        reply.price = request.qty.toDouble() * 1.5 + request.symbol.toByteArray().size
        reply.qty = request.qty + 1u
    }

    override fun ping() {}
}

private fun symbolOf(i: Int) = "SYM${i % 100}"

private fun check(r: QuoteReply, i: Int): String? {
    val want = i * 1.5 + symbolOf(i).toByteArray().size
    return if (r.price == want && r.qty == (i + 1).toUInt()) {
        null
    } else {
        "call $i: price ${r.price} qty ${r.qty}, want $want ${i + 1}"
    }
}

private fun call(path: String): String? = rpcConnect(path, timeout = 20.seconds).use { conn ->
    Arena.ofConfined().use { arena ->
        val pricing = PricingClient(conn)
        val req = QuoteRequest(arena.allocate(QuoteRequest.SIZE.toLong(), 16))
        for (i in 0 until 200) {
            req.clear()
            req.symbol = symbolOf(i)
            req.qty = i.toUInt()
            pricing.quote(req, T) { check(it, i) }?.let { return it }
        }
        val sent = HashMap<Long, Int>()
        for (i in 0 until 32) {
            req.clear()
            req.symbol = symbolOf(i)
            req.qty = i.toUInt()
            sent[pricing.quoteSend(req, T)] = i
        }
        while (sent.isNotEmpty()) {
            val reply = conn.nextReply(T.toJavaTimeout())
            val i = sent.remove(reply.callId())
                ?: return "reply to call ${reply.callId().toULong()}, which is not pending".also { reply.close() }
            PricingClient.quoteReply(reply) { check(it, i) }?.let { return it }
        }
        pricing.ping(T)
        val status = conn.call(99, MemorySegment.NULL, 0L, T) { it.status() }
        if (status != RpcStatus.UNKNOWN_METHOD) "method 99: status $status, want UNKNOWN_METHOD" else null
    }
}

private fun kotlin.time.Duration.toJavaTimeout(): java.time.Duration = java.time.Duration.ofNanos(inWholeNanoseconds)

fun main(args: Array<String>) {
    if (args.size != 2 || args[0] !in setOf("serve", "call")) {
        System.err.println("usage: Peer serve|call SOCKET")
        exitProcess(2)
    }
    try {
        if (args[0] == "serve") {
            rpcListen(args[1], timeout = 30.seconds).use { Pricer().serve(it) }
            exitProcess(0)
        }
        val bad = call(args[1])
        println(bad ?: "ok")
        exitProcess(if (bad == null) 0 else 1)
    } catch (e: RuntimeException) {
        println(e)
        exitProcess(1)
    }
}
