package io.tachyon.kotlin

import io.tachyon.RpcCallException
import io.tachyon.RpcServer
import io.tachyon.RpcStatus
import io.tachyon.RpcStatusException
import io.tachyon.TachyonException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Test
import java.lang.foreign.Arena
import java.lang.foreign.MemorySegment
import java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** The Kotlin RPC idioms (rpcListen, rpcConnect, call/nextReply with a read lambda) over the Java binding. */
class RpcKotlinTest {
    private val t = 10.seconds
    private val methods = listOf(RpcServer.Method(10, 8, 8))

    private fun path(tag: String) = "@tachyon-kotlin-rpc-${ProcessHandle.current().pid()}-$tag-${n.incrementAndGet()}"

    private fun increment(@Suppress("UNUSED_PARAMETER") method: Int, req: MemorySegment, reply: MemorySegment) {
        val v = req.get(JAVA_LONG_UNALIGNED, 0)
        if (v == 0L) throw RpcStatusException.appError(7)
        reply.set(JAVA_LONG_UNALIGNED, 0, v + 1)
    }

    /** Runs [body] on a server thread; returns the path and a function that joins it and gives what it threw. */
    private fun server(body: (RpcServer) -> Unit): Pair<String, () -> Throwable?> {
        val p = path("srv")
        val failure = AtomicReference<Throwable>()
        val th = thread {
            try {
                rpcListen(p, timeout = t).use(body)
            } catch (e: Throwable) {
                failure.set(e)
            }
        }
        return p to {
            th.join(30_000)
            failure.get()
        }
    }

    private fun Arena.u64(v: Long): MemorySegment = allocate(8, 8).also { it.set(JAVA_LONG_UNALIGNED, 0, v) }

    @Test
    fun callsReadRepliesInPlaceAndAnswersUnknownMethods() {
        val (p, join) = server { it.serve(methods, ::increment, null) }
        rpcConnect(p).use { conn ->
            Arena.ofConfined().use { a ->
                for (v in 1L..20L) {
                    assertEquals(v + 1, conn.call(10, a.u64(v), 8, t) { it.body().get(JAVA_LONG_UNALIGNED, 0) })
                }
                assertEquals(RpcStatus.APP_ERROR to 7, conn.call(10, a.u64(0), 8, t) { it.status() to it.appCode() })
                assertEquals(RpcStatus.UNKNOWN_METHOD, conn.call(99, MemorySegment.NULL, 0, t) { it.status() })
            }
        }
        assertNull(join())
    }

    @Test
    fun pipelinedRepliesOutOfOrder() {
        val n = 16
        val (p, join) = server { conn ->
            val held = ArrayList<Pair<Long, Long>>()
            while (held.size < n) {
                val r = conn.nextRequest(null)
                held += r.callId() to r.body().get(JAVA_LONG_UNALIGNED, 0)
                conn.defer()
            }
            Arena.ofConfined().use { a ->
                for ((id, v) in held.reversed()) conn.replyTo(id, 10, RpcStatus.OK, 0, a.u64(v * 3), null)
            }
            assertThrows(TachyonException.PeerGone::class.java) { conn.nextRequest(null) }
        }
        rpcConnect(p).use { conn ->
            val ids = Arena.ofConfined().use { a -> (0 until n).map { conn.send(10, a.u64(it.toLong()), 8, t) } }
            for (k in n - 1 downTo 0) {
                conn.nextReply(t) { r ->
                    assertEquals(ids[k], r.callId())
                    assertEquals(k * 3L, r.body().get(JAVA_LONG_UNALIGNED, 0))
                }
            }
            assertEquals(0, conn.pending())
        }
        assertNull(join())
    }

    @Test
    fun deadlinesExpireAndClosingTheServerFailsPendingCalls() {
        val release = java.util.concurrent.CountDownLatch(1)
        val (p, join) = server { conn ->
            repeat(5) {
                conn.nextRequest(null)
                conn.defer()
            }
            release.await()
        } // closing the server with calls in flight
        rpcConnect(p).use { conn ->
            Arena.ofConfined().use { a ->
                assertThrows(TachyonException.Timeout::class.java) { conn.call(10, a.u64(1), 8, 20.milliseconds) { } }
                val id = conn.send(10, a.u64(2), 8, 20.milliseconds)
                val e = assertThrows(RpcCallException::class.java) { conn.nextReply(t) { } }
                assertEquals(id, e.callId())
                repeat(3) { conn.send(10, a.u64(3), 8, null) }
                release.countDown()
                assertThrows(TachyonException.PeerGone::class.java) { conn.nextReply(t) { } }
                assertEquals(0, conn.pending())
            }
        }
        assertNull(join())
    }

    @Test
    fun serverKilledFailsEveryPendingCall() {
        val p = path("killed")
        val java = ProcessHandle.current().info().command().orElse("java")
        val server = ProcessBuilder(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "-Dtachyon.library=" + System.getProperty("tachyon.library"),
            "-cp",
            System.getProperty("java.class.path"),
            SilentServer::class.java.name,
            p,
        ).inheritIO().start()
        try {
            rpcConnect(p, timeout = 30.seconds).use { conn ->
                Arena.ofConfined().use { a -> repeat(5) { conn.send(10, a.u64(it.toLong()), 8, null) } }
                assertEquals(5, conn.pending())
                server.destroyForcibly().waitFor()
                // Not an RpcCallException: every pending call failed at once.
                assertThrows(TachyonException.PeerGone::class.java) { conn.nextReply(30.seconds) { } }
                assertEquals(0, conn.pending())
            }
        } finally {
            server.destroyForcibly()
        }
    }

    @Test
    fun hostileReplyIsCorrupt() {
        val (p, join) = server { conn ->
            val r = conn.nextRequest(null)
            conn.defer()
            Arena.ofConfined().use { a -> conn.replyTo(r.callId() + 256L * 5, 10, RpcStatus.OK, 0, a.u64(1), null) }
            conn.serve(methods, ::increment, null)
        }
        rpcConnect(p).use { conn ->
            Arena.ofConfined().use { a ->
                assertThrows(TachyonException.Corrupt::class.java) { conn.call(10, a.u64(1), 8, t) { } }
                assertEquals(3L, conn.call(10, a.u64(2), 8, t) { it.body().get(JAVA_LONG_UNALIGNED, 0) })
            }
        }
        assertNull(join())
    }

    private companion object {
        val n = AtomicInteger()
    }
}

/** The server serverKilledFailsEveryPendingCall kills, in its own JVM: takes calls and never answers them. */
object SilentServer {
    @JvmStatic
    fun main(args: Array<String>) {
        rpcListen(args[0], timeout = 10.seconds).use { conn ->
            while (true) {
                conn.nextRequest(null)
                conn.defer()
            }
        }
    }
}
