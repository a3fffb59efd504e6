// Run in a JVM of its own by KotlinBindingTest: sends and receives rounds of 256
// messages through the inline send {} and receive {} over an in-process arena
// until a round allocates nothing (the JIT compiled the loop and took the guards
// apart) or 3000 rounds passed, and prints "bytes=B rounds=R", B being the last
// round's allocation. A JVM of its own, because what other tests ran before
// changes what the JIT inlines.
@file:JvmName("AllocationProbe")

package io.tachyon.kotlin

import io.tachyon.Bus
import io.tachyon.Role
import java.lang.foreign.Arena
import java.lang.foreign.ValueLayout
import java.lang.management.ManagementFactory

fun main() {
    val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
    val capacity = 1L shl 16
    Arena.ofShared().use { memory ->
        val mem = memory.allocate(Bus.arenaSize(capacity), 64)
        Bus.formatArena(mem, capacity, 0)
        Bus.attachArena(mem, Role.PRODUCER).use { producer ->
            Bus.attachArena(mem, Role.CONSUMER).use { consumer ->
                var bytes = -1L
                var round = 0
                while (round < 3000 && bytes != 0L) {
                    val before = threads.currentThreadAllocatedBytes
                    val sum = sendAndReceive(producer, consumer, 256)
                    bytes = threads.currentThreadAllocatedBytes - before
                    check(sum == 256L * 255 / 2) { "received sum $sum" }
                    round++
                }
                println("bytes=$bytes rounds=$round")
            }
        }
    }
}

private fun sendAndReceive(producer: Bus, consumer: Bus, n: Int): Long {
    for (i in 0 until n) producer.send(32, 1) { it.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i.toLong()) }
    producer.flush()
    var sum = 0L
    for (i in 0 until n) sum += consumer.receive { it.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0) }
    return sum
}
