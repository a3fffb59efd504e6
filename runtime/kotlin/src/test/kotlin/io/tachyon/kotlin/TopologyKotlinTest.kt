package io.tachyon.kotlin

import io.tachyon.Bus
import io.tachyon.FanOut
import io.tachyon.Join
import io.tachyon.LagPolicy
import io.tachyon.Received
import io.tachyon.TachyonException
import io.tachyon.WaitSet
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.BufferedReader
import java.lang.foreign.MemorySegment
import java.lang.foreign.ValueLayout
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * The Kotlin topology idioms, in this JVM and against the C peer of tests/topology/peer.c in both directions.
 * Messages carry (tag, sequence) as two little-endian u64s with type id 7, as the C peer expects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopologyKotlinTest {
    companion object {
        private val seq = AtomicInteger()
        private lateinit var peerDir: Path
        private lateinit var peer: Path

        fun name(tag: String) = "@tachyon-kt-topo-${ProcessHandle.current().pid()}-$tag-${seq.incrementAndGet()}"

        @JvmStatic
        @BeforeAll
        fun buildPeer() {
            val lib = Path.of(System.getProperty("tachyon.library")).toAbsolutePath().normalize()
            val repo = lib.parent.parent.parent
            peerDir = Files.createTempDirectory("tachyon-kt-topo")
            peer = peerDir.resolve("peer")
            val cc = ProcessBuilder(
                "cc", "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-I", "$repo/runtime/include",
                "$repo/tests/topology/peer.c", "-L", "${lib.parent}", "-ltachyon", "-Wl,-rpath,${lib.parent}",
                "-o", "$peer",
            ).redirectErrorStream(true).start()
            val out = cc.inputStream.readAllBytes().decodeToString()
            assertEquals(0, cc.waitFor(), "cc tests/topology/peer.c failed:\n$out")
        }

        @JvmStatic
        @AfterAll
        fun removePeer() {
            Files.deleteIfExists(peer)
            Files.deleteIfExists(peerDir)
        }

        fun startPeer(vararg args: String): Process =
            ProcessBuilder(listOf(peer.toString()) + args).redirectError(ProcessBuilder.Redirect.INHERIT).start()

        fun awaitLine(p: Process, line: String): BufferedReader {
            val r = p.inputStream.bufferedReader()
            assertEquals(line, r.readLine())
            return r
        }

        fun finish(p: Process, r: BufferedReader): String? {
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "peer did not finish")
            val last = r.readLine()
            assertEquals(0, p.exitValue(), "peer failed, last line $last")
            return last
        }

        fun msg(tag: Long, n: Long): ByteArray {
            val m = MemorySegment.ofArray(ByteArray(16))
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, tag)
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, n)
            return m.toArray(ValueLayout.JAVA_BYTE)
        }

        fun tagOf(data: ByteArray): Long = MemorySegment.ofArray(data).get(ValueLayout.JAVA_LONG_UNALIGNED, 0)
        fun seqOf(data: ByteArray): Long = MemorySegment.ofArray(data).get(ValueLayout.JAVA_LONG_UNALIGNED, 8)
        fun seqOf(r: Received): Long = r.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 8)
    }

    @Test
    fun `a flow of a subscriber has every message in order and completes at the end`() = runBlocking {
        val path = name("flow")
        val pub = listenFanOut(path, capacity = 1L shl 12)
        try {
            val subs = List(3) { subscribe(path) }
            val reads = subs.map { s -> async { s.messages().map { seqOf(it.data) }.toList() } }
            for (n in 0L until 3000L) {
                if (n % 2 == 0L) {
                    pub.sendAsync(msg(1, n), 7)
                } else {
                    pub.send(16, 7) { it.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, n) }
                }
            }
            pub.close()
            for (r in reads) {
                assertEquals((0L until 3000L).toList(), withTimeout(30.seconds) { r.await() })
            }
            subs.forEach { it.close() }
        } finally {
            pub.close()
        }
    }

    @Test
    fun `a dropped subscriber's flow rejoins or fails with Lagged`() = runBlocking {
        val path = name("drop")
        listenFanOut(path, capacity = 4096, policy = LagPolicy.DROP).use { pub ->
            subscribe(path).use { slow ->
                for (n in 0L until 1000L) assertTrue(pub.trySend(msg(1, n), 7))
                assertThrows(TachyonException.Lagged::class.java) { runBlocking { slow.messages().toList() } }
                slow.rejoin(Join.NEWEST)
                for (n in 0L until 1000L) assertTrue(pub.trySend(msg(1, n), 7))
                // Rejoining at the oldest message left, it goes on by itself.
                val got = slow.messages(rejoinAt = Join.OLDEST).take(5).toList()
                assertEquals(5, got.size)
                assertTrue(got.all { it.typeId == 7 && it.sender == null })
            }
        }
    }

    @Test
    fun `under BLOCK sendAsync suspends until the slow subscriber reads, and withTimeout cancels it`() = runBlocking {
        val path = name("block")
        listenFanOut(path, capacity = 4096, policy = LagPolicy.BLOCK).use { pub ->
            subscribe(path).use { slow ->
                var sent = 0L
                while (pub.trySend(msg(1, sent), 7)) sent++
                assertTrue(sent in 10..4095, "sent $sent before the ring was full")
                assertThrows(TimeoutCancellationException::class.java) {
                    runBlocking { withTimeout(100.milliseconds) { pub.sendAsync(msg(1, sent), 7) } }
                }
                val pending = async { pub.sendAsync(msg(1, sent), 7) }
                assertEquals(0L, slow.receiveAsync(5.seconds) { seqOf(it) })
                withTimeout(5.seconds) { pending.await() }
                val rest = (1L..sent).map { slow.receiveAsync(5.seconds) { m -> seqOf(m) } }
                assertEquals((1L..sent).toList(), rest)
            }
        }
    }

    @Test
    fun `a killed C subscriber stops holding a Kotlin producer back`() = runBlocking {
        val path = name("kill-sub")
        listenFanOut(path, capacity = 4096).use { pub ->
            val c = startPeer("sub", path, "1000000")
            awaitLine(c, "joined")
            c.destroyForcibly().waitFor()
            withTimeout(10.seconds) { for (n in 0L until 2000L) pub.sendAsync(msg(1, n), 7) }
            assertEquals(0L, pub.subscribers())
        }
    }

    @Test
    fun `receiveAsync suspends, reads in place and is cancelled by withTimeout`() = runBlocking {
        val path = name("async")
        listenFanOut(path).use { pub ->
            subscribe(path).use { sub ->
                assertThrows(TimeoutCancellationException::class.java) {
                    runBlocking { withTimeout(100.milliseconds) { sub.receiveAsync { seqOf(it) } } }
                }
                pub.sendAsync(msg(1, 41), 7)
                assertEquals(41L, sub.receiveAsync(5.seconds) { seqOf(it) })
            }
        }
    }

    @Test
    fun `fan-in flow says who sent each message and awaitReady wakes for it`() = runBlocking {
        val path = name("fanin")
        listenFanIn(path, capacity = 4096).use { fi ->
            WaitSet().use { ws ->
                ws.add(fi, 9)
                assertArrayEquals(LongArray(0), ws.awaitReady(20.milliseconds))
                val producers = (0 until 3).map { i ->
                    thread {
                        connect(path, timeout = 10.seconds).use { bus ->
                            for (n in 0L until 2000L) bus.send(msg(50L + i, n), 7)
                        }
                    }
                }
                assertArrayEquals(longArrayOf(9), ws.awaitReady(10.seconds))
                ws.remove(9)
                val all = withTimeout(30.seconds) { fi.messages().take(6000).toList() }
                producers.forEach { it.join() }
                val byTag = all.groupBy { tagOf(it.data) }
                assertEquals(setOf(50L, 51L, 52L), byTag.keys)
                for ((_, list) in byTag) {
                    assertEquals((0L until 2000L).toList(), list.map { seqOf(it.data) })
                    assertEquals(1, list.map { it.sender!!.id() }.toSet().size)
                }
                assertEquals(3, all.map { it.sender!!.id() }.toSet().size)
            }
        }
    }

    @Test
    fun `C publisher to a Kotlin subscriber and Kotlin publisher to a C subscriber`() = runBlocking {
        val fromC = name("c-pub")
        val p = startPeer("pub", fromC, "1", "4000")
        subscribe(fromC, timeout = 10.seconds).use { sub ->
            assertEquals((0L until 4000L).toList(), sub.messages().map { seqOf(it.data) }.toList())
        }
        assertTrue(p.waitFor(20, TimeUnit.SECONDS))
        assertEquals(0, p.exitValue())

        val toC = name("kt-pub")
        val pub: FanOut = listenFanOut(toC, capacity = 4096)
        try {
            val c = startPeer("sub", toC, "4000")
            val r = awaitLine(c, "joined")
            for (n in 0L until 4000L) pub.sendAsync(msg(1, n), 7)
            pub.close()
            assertEquals("sub ok 4000", finish(c, r))
        } finally {
            pub.close()
        }
    }

    @Test
    fun `C producers to a Kotlin fan-in and Kotlin producers to a C fan-in`() = runBlocking {
        val toKt = name("c-prod")
        listenFanIn(toKt, capacity = 4096).use { fi ->
            val ps = (0 until 2).map { startPeer("prod", toKt, "${60 + it}", "3000") }
            val all = withTimeout(30.seconds) { fi.messages().take(6000).toList() }
            for ((_, list) in all.groupBy { tagOf(it.data) }) {
                assertEquals((0L until 3000L).toList(), list.map { seqOf(it.data) })
            }
            ps.forEach {
                assertTrue(it.waitFor(20, TimeUnit.SECONDS))
                assertEquals(0, it.exitValue())
            }
            assertEquals(ps.map { it.pid() }.toSet(), all.map { it.sender!!.pid().toLong() }.toSet())
        }

        val toC = name("c-fanin")
        val c = startPeer("fanin", toC, "2", "3000")
        val r = awaitLine(c, "listening")
        val producers = (0 until 2).map { i ->
            thread {
                connect(toC, timeout = 10.seconds).use { bus -> for (n in 0L until 3000L) bus.send(msg(70L + i, n), 7) }
            }
        }
        producers.forEach { it.join() }
        assertEquals("fanin ok 2 3000", finish(c, r))
    }

    @Test
    fun `a bus joins a wait-set next to the topologies`() = runBlocking {
        val path = name("ws-bus")
        val accepted = async(kotlinx.coroutines.Dispatchers.IO) { listen(path, capacity = 4096, timeout = 10.seconds) }
        connect(path, timeout = 10.seconds).use { producer: Bus ->
            accepted.await().use { consumer ->
                WaitSet().use { ws ->
                    ws.add(consumer, 4)
                    assertArrayEquals(LongArray(0), ws.awaitReady(20.milliseconds))
                    producer.send(msg(1, 1), 7)
                    producer.flush()
                    assertArrayEquals(longArrayOf(4), ws.awaitReady(5.seconds))
                    consumer.tryReceive().use { assertEquals(16L, it.size()) }
                }
            }
        }
    }
}
