// Support code for the Java files tachc generates: the section between the
// tachc-support markers is embedded at the end of each generated schema class
// (compiler/embed_support.awk). tests/compiler/support.sh compiles this file as
// itself with javac -Xlint:all -Werror (JDK 22+).
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

final class TachyonSupport {
    private TachyonSupport() {}

    // tachc-support: begin helpers
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // char[N] is UTF-8 text, NUL-padded (README "Names in generated code"). ASCII, the common case, moves eight
    // bytes per access: one bounds and liveness check per word, not per byte; other text goes through the
    // UTF-8 codec. Bytes that are not UTF-8 fail to read as text (IllegalArgumentException), as in Rust and
    // Python; the raw bytes stay readable through the field's segment.
    static String readText$(MemorySegment segment, long at, int cap) {
        byte[] bytes = new byte[cap];
        int n = 0;
        long high = 0; // the high bits of every byte read: nonzero when the text is not ASCII
        while (n < cap) {
            if (cap - n >= 8) {
                long word = segment.get(LE_LONG, at + n);
                int k = 0;
                for (; k < 8 && (word & 0xff) != 0; k++, word >>>= 8) {
                    bytes[n++] = (byte) word;
                    high |= word & 0x80;
                }
                if (k < 8) {
                    break;
                }
                continue;
            }
            byte x = segment.get(ValueLayout.JAVA_BYTE, at + n);
            if (x == 0) {
                break;
            }
            bytes[n++] = x;
            high |= x & 0x80;
        }
        if (high == 0) {
            return new String(bytes, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("char[" + cap + "] bytes are not UTF-8 text", e);
        }
    }

    // Stores value's UTF-8 bytes NUL-padded to cap bytes; text longer than cap bytes (or a lone surrogate)
    // throws IllegalArgumentException and writes nothing: text is never cut, so never inside a code point.
    static void writeText$(MemorySegment segment, long at, int cap, String value, String field) {
        int n = value.length();
        // A char[8] field checks its one word's characters as it builds it (nothing is stored before);
        // any other size checks the whole text first.
        if (n > cap || (cap != 8 && !ascii$(value, n))) {
            writeUtf8$(segment, at, cap, value, field);
            return;
        }
        int i = 0;
        for (; cap - i >= 8; i += 8) {
            long word = 0;
            int bits = 0;
            // only the text's own characters: a loop of n, not 8, with no test per byte
            for (int k = Math.min(n - i, 8) - 1; k >= 0; k--) {
                char c = value.charAt(i + k);
                bits |= c;
                word = (word << 8) | c;
            }
            if (bits >= 0x80) {
                writeUtf8$(segment, at, cap, value, field);
                return;
            }
            segment.set(LE_LONG, at + i, word);
        }
        for (; i < cap; i++) {
            segment.set(ValueLayout.JAVA_BYTE, at + i, (byte) (i < n ? value.charAt(i) : 0));
        }
    }

    private static boolean ascii$(String value, int n) {
        for (int i = 0; i < n; i++) {
            if (value.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static void writeUtf8$(MemorySegment segment, long at, int cap, String value, String field) {
        java.nio.ByteBuffer raw;
        try {
            raw = java.nio.charset.StandardCharsets.UTF_8.newEncoder().encode(java.nio.CharBuffer.wrap(value));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(field + ": the text is not valid Unicode (a lone surrogate)", e);
        }
        int len = raw.remaining();
        if (len > cap) {
            throw new IllegalArgumentException(field + " holds " + cap + " bytes, the text has " + len);
        }
        MemorySegment.copy(MemorySegment.ofBuffer(raw), 0, segment, at, len);
        segment.asSlice(at + len, cap - len).fill((byte) 0);
    }
    // tachc-support: end
}
