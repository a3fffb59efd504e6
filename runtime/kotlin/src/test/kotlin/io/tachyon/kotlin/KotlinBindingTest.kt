package io.tachyon.kotlin

import io.tachyon.Bus
import io.tachyon.Role
import io.tachyon.TachyonException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.lang.foreign.Arena
import java.lang.foreign.MemorySegment
import java.lang.foreign.ValueLayout
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class KotlinBindingTest {
    private lateinit var memory: Arena
    private lateinit var producer: Bus
    private lateinit var consumer: Bus

    @BeforeEach
    fun arena() {
        memory = Arena.ofShared()
        val capacity = 1L shl 16
        val mem = memory.allocate(Bus.arenaSize(capacity), 64)
        Bus.formatArena(mem, capacity, 0)
        producer = Bus.attachArena(mem, Role.PRODUCER)
        consumer = Bus.attachArena(mem, Role.CONSUMER)
    }

    @AfterEach
    fun close() {
        producer.close()
        consumer.close()
        memory.close()
    }

    private fun sendLong(value: Long, typeId: Int) =
        producer.send(8, typeId) { it.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value) }

    @Test
    fun sendLambdaCommitsAndReceiveLambdaReleases() {
        sendLong(42, 3)
        producer.flush()
        val got = consumer.receive { msg -> msg.typeId() to msg.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0) }
        assertEquals(3 to 42L, got)
        assertEquals(null, consumer.tryReceive())
    }

    /**
     * `send {}` and `receive {}` inline into the caller, and the Java binding keeps no reference to an open guard:
     * once compiled, a loop of them allocates nothing (AllocationProbe, in a JVM of its own).
     */
    @Test
    fun sendAndReceiveLambdasAllocateNothingOnceCompiled() {
        val java = ProcessHandle.current().info().command().orElse("java")
        val p = ProcessBuilder(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "-Dtachyon.library=" + System.getProperty("tachyon.library", ""),
            "-cp",
            System.getProperty("java.class.path"),
            "io.tachyon.kotlin.AllocationProbe",
        ).redirectErrorStream(true).start()
        val out = p.inputStream.readBytes().decodeToString().trim()
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe did not end")
        assertEquals(0, p.exitValue(), out)
        assertEquals("bytes=0", out.lines().last().split(" ")[0], out)
    }

    @Test
    fun sendLambdaThatThrowsSendsNothing() {
        assertThrows(IllegalStateException::class.java) {
            producer.send(8, 1) { error("half written") }
        }
        producer.flush()
        assertEquals(null, consumer.tryReceive())
        sendLong(7, 1)
        producer.flush()
        assertEquals(7L, consumer.receive { it.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0) })
    }

    @Test
    fun segmentDiesAfterTheLambda() {
        var kept: MemorySegment? = null
        producer.send(8, 1) { kept = it }
        assertThrows(IllegalStateException::class.java) { kept!!.get(ValueLayout.JAVA_BYTE, 0) }
        producer.flush()
        var seen: MemorySegment? = null
        consumer.receive { seen = it.segment() }
        assertThrows(IllegalStateException::class.java) { seen!!.get(ValueLayout.JAVA_BYTE, 0) }
    }

    @Test
    fun drainedBatchAsSequence() {
        for (i in 0 until 5) sendLong(i * 10L, i)
        producer.flush()
        consumer.drainBatch(16).use { batch ->
            val items = batch.asSequence().map { (id, seg) ->
                id to seg.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)
            }.toList()
            assertEquals((0 until 5).map { it to it * 10L }, items)
        }
    }

    @Test
    fun inboxForEachMessageReadsEachBatchInPlace() {
        for (i in 0 until 10) sendLong(i * 7L, i)
        producer.flush()
        val seen = mutableListOf<Pair<Int, Long>>()
        var kept: MemorySegment? = null
        consumer.inbox(4).use { inbox ->
            val counts = (0 until 3).map {
                val n = inbox.poll()
                inbox.forEachMessage { typeId, payload ->
                    seen += typeId to payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)
                    kept = payload
                }
                n
            }
            assertEquals(listOf(4, 4, 2), counts)
            assertEquals(0, inbox.poll())
            assertThrows(IllegalStateException::class.java) { inbox.commit() }
        }
        assertEquals((0 until 10).map { it to it * 7L }, seen)
        assertThrows(IllegalStateException::class.java) { kept!!.get(ValueLayout.JAVA_BYTE, 0) }
        assertEquals(10L, consumer.stats().messages())
    }

    @Test
    fun drainReadsEveryMessageUntilTheProducerIsGone() {
        for (i in 1..100) sendLong(i.toLong(), i % 3)
        producer.close()
        var sum = 0L
        var asks = 0
        val n = consumer.drain(batch = 16) { typeId, payload ->
            sum += payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)
            if (typeId == 2) asks++
        }
        assertEquals(100L, n)
        assertEquals(5050L, sum)
        assertEquals(33, asks)
        assertEquals(100L, consumer.stats().messages())
    }

    @Test
    fun copiedBytesOutliveTheMessage() {
        producer.send(byteArrayOf(1, 2, 3), 9)
        producer.flush()
        val bytes = consumer.receive { it.bytes }
        assertEquals(listOf<Byte>(1, 2, 3), bytes.toList())
    }

    @Test
    fun suspendReceiveRunsOnIoAndReturnsTheValue() = runBlocking {
        val pending = async { consumer.receiveAsync { it.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0) } }
        sendLong(99, 1)
        producer.flush()
        assertEquals(99L, pending.await())
    }

    @Test
    fun cancellingASuspendedReceiveInterruptsTheWait() {
        assertThrows(TimeoutCancellationException::class.java) {
            runBlocking { withTimeout(100.milliseconds) { consumer.receiveAsync { it.typeId() } } }
        }
        // The bus is still usable afterwards.
        sendLong(5, 2)
        producer.flush()
        assertEquals(2, consumer.receive { it.typeId() })
    }

    @Test
    fun suspendReceiveTimesOut() {
        assertThrows(TachyonException.Timeout::class.java) {
            runBlocking { consumer.receiveAsync(30.milliseconds) { it.typeId() } }
        }
    }

    @Test
    fun messagesSequenceEndsWhenTheProducerCloses() {
        val path = "@tachyon-kotlin-test-${ProcessHandle.current().pid()}-${SEQ.incrementAndGet()}"
        var sum = 0L
        var count = 0
        val listener = thread {
            listen(path, capacity = 1L shl 16, fingerprint = 77uL, timeout = 20.seconds).use { bus ->
                for (msg in bus.messages()) {
                    sum += msg.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0)
                    count++
                }
            }
        }
        connectRetrying(path, fingerprint = 77uL, patience = 10.seconds).use { bus ->
            for (i in 1..500L) bus.send(8, 1) { it.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i) }
        }
        listener.join(30_000)
        assertEquals(500, count)
        assertEquals(125250L, sum)
    }

    @Test
    fun fingerprintMismatchIsRefused() {
        val path = "@tachyon-kotlin-test-${ProcessHandle.current().pid()}-${SEQ.incrementAndGet()}"
        var listenError: Throwable? = null
        val listener = thread {
            try {
                listen(path, fingerprint = 1uL, timeout = 20.seconds).close()
            } catch (e: Throwable) {
                listenError = e
            }
        }
        assertThrows(TachyonException.SchemaMismatch::class.java) {
            connectRetrying(path, fingerprint = 2uL, patience = 10.seconds).close()
        }
        listener.join(30_000)
        assertTrue(listenError is TachyonException.SchemaMismatch, "listener saw $listenError")
    }

    companion object {
        private val SEQ = AtomicInteger()
    }
}
