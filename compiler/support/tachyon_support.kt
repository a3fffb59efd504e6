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

// Text moves eight bytes per access where it can: one bounds and liveness check per word, not per byte.
private fun readText(segment: MemorySegment, at: Long, cap: Int): String {
    val chars = CharArray(cap)
    var n = 0
    while (n < cap) {
        if (cap - n >= 8) {
            var word = segment.get(LE_LONG, at + n)
            repeat(8) {
                if (word and 0xff == 0L) return String(chars, 0, n)
                chars[n++] = (word and 0xff).toInt().toChar()
                word = word ushr 8
            }
            continue
        }
        val x = segment.get(ValueLayout.JAVA_BYTE, at + n)
        if (x == 0.toByte()) break
        chars[n++] = (x.toInt() and 0xff).toChar()
    }
    return String(chars, 0, n)
}

private fun writeText(segment: MemorySegment, at: Long, cap: Int, value: String, field: String) {
    require(value.length <= cap) { "$field holds $cap bytes, the text has ${value.length}" }
    var i = 0
    while (cap - i >= 8) {
        var word = 0L
        for (k in 7 downTo 0) word = (word shl 8) or textByte(value, i + k, field).toLong()
        segment.set(LE_LONG, at + i, word)
        i += 8
    }
    while (i < cap) {
        segment.set(ValueLayout.JAVA_BYTE, at + i, textByte(value, i, field).toByte())
        i++
    }
}

/** Character [i] of [value] as a byte (0 past its end); one beyond ISO-8859-1 throws. */
private fun textByte(value: String, i: Int, field: String): Int {
    if (i >= value.length) return 0
    val ch = value[i].code
    require(ch <= 0xff) { "$field: character $ch is not one byte" }
    return ch
}
// tachc-support: end
