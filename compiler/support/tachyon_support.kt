// Support code for the Kotlin files tachc generates: the section between the
// tachc-support markers is embedded at the end of each generated schema file
// (compiler/embed_support.awk). The vectors-kotlin suite compiles this file as
// itself (tests/vectors/kotlin adds compiler/support to its Kotlin sources).
@file:Suppress("unused")

package io.tachyon.support

import java.lang.foreign.MemorySegment
import java.lang.foreign.ValueLayout
import java.nio.ByteOrder

// tachc-support: begin helpers
private val LE_SHORT: ValueLayout.OfShort = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)
private val LE_INT: ValueLayout.OfInt = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)
private val LE_LONG: ValueLayout.OfLong = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)
private val LE_FLOAT: ValueLayout.OfFloat = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)
private val LE_DOUBLE: ValueLayout.OfDouble =
    ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)

private fun readText(segment: MemorySegment, at: Long, cap: Int): String {
    val chars = CharArray(cap)
    var n = 0
    while (n < cap) {
        val x = segment.get(ValueLayout.JAVA_BYTE, at + n)
        if (x == 0.toByte()) break
        chars[n++] = (x.toInt() and 0xff).toChar()
    }
    return String(chars, 0, n)
}

private fun writeText(segment: MemorySegment, at: Long, cap: Int, value: String, field: String) {
    require(value.length <= cap) { "$field holds $cap bytes, the text has ${value.length}" }
    for (i in 0 until cap) {
        val ch = if (i < value.length) value[i].code else 0
        require(ch <= 0xff) { "$field: character $ch is not one byte" }
        segment.set(ValueLayout.JAVA_BYTE, at + i, ch.toByte())
    }
}
// tachc-support: end
