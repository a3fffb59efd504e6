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

// char[N] is UTF-8 text, NUL-padded (README "Names in generated code"). ASCII, the common case, moves eight bytes
// per access: one bounds and liveness check per word, not per byte; other text goes through the UTF-8 codec.
// Bytes that are not UTF-8 fail to read as text (CharacterCodingException), as in Rust and Python; the raw
// bytes stay readable through the field's segment.
private fun readText(segment: MemorySegment, at: Long, cap: Int): String {
    val bytes = ByteArray(cap)
    var n = 0
    var high = 0L // the high bits of every byte read: nonzero when the text is not ASCII
    while (n < cap) {
        if (cap - n >= 8) {
            var word = segment.get(LE_LONG, at + n)
            var k = 0
            while (k < 8 && word and 0xff != 0L) {
                bytes[n++] = word.toByte()
                high = high or (word and 0x80)
                word = word ushr 8
                k++
            }
            if (k < 8) break
            continue
        }
        val x = segment.get(ValueLayout.JAVA_BYTE, at + n)
        if (x == 0.toByte()) break
        bytes[n++] = x
        high = high or (x.toLong() and 0x80)
    }
    if (high == 0L) return String(bytes, 0, n, Charsets.ISO_8859_1)
    return bytes.decodeToString(0, n, throwOnInvalidSequence = true)
}

// Stores value's UTF-8 bytes NUL-padded to cap bytes; text longer than cap bytes throws IllegalArgumentException
// (a lone surrogate CharacterCodingException) and writes nothing: text is never cut, so never inside a code point.
private fun writeText(segment: MemorySegment, at: Long, cap: Int, value: String, field: String) {
    val n = value.length
    // A char[8] field checks its one word's characters as it builds it (nothing is stored before); any other
    // size checks the whole text first.
    if (n > cap || (cap != 8 && value.any { it.code >= 0x80 })) {
        writeUtf8(segment, at, cap, value, field)
        return
    }
    var i = 0
    while (cap - i >= 8) {
        var word = 0L
        var bits = 0
        // only the text's own characters: a loop of n, not 8, with no test per byte
        for (k in minOf(n - i, 8) - 1 downTo 0) {
            val c = value[i + k].code
            bits = bits or c
            word = (word shl 8) or c.toLong()
        }
        if (bits >= 0x80) {
            writeUtf8(segment, at, cap, value, field)
            return
        }
        segment.set(LE_LONG, at + i, word)
        i += 8
    }
    while (i < cap) {
        segment.set(ValueLayout.JAVA_BYTE, at + i, (if (i < n) value[i].code else 0).toByte())
        i++
    }
}

// Text that is not ASCII, or longer than the field: encoded first, so that nothing is written when it does not fit.
private fun writeUtf8(segment: MemorySegment, at: Long, cap: Int, value: String, field: String) {
    val raw = value.encodeToByteArray(0, value.length, throwOnInvalidSequence = true)
    require(raw.size <= cap) { "$field holds $cap bytes, the text has ${raw.size}" }
    MemorySegment.copy(MemorySegment.ofArray(raw), 0, segment, at, raw.size.toLong())
    segment.asSlice(at + raw.size, (cap - raw.size).toLong()).fill(0)
}
// tachc-support: end
