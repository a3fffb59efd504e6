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

    // Text moves eight bytes per access where it can: one bounds and liveness check per word, not per byte.
    static String readText$(MemorySegment segment, long at, int cap) {
        char[] chars = new char[cap];
        int n = 0;
        while (n < cap) {
            if (cap - n >= 8) {
                long word = segment.get(LE_LONG, at + n);
                for (int k = 0; k < 8; k++, word >>>= 8) {
                    if ((word & 0xff) == 0) {
                        return new String(chars, 0, n);
                    }
                    chars[n++] = (char) (word & 0xff);
                }
                continue;
            }
            byte x = segment.get(ValueLayout.JAVA_BYTE, at + n);
            if (x == 0) {
                break;
            }
            chars[n++] = (char) (x & 0xff);
        }
        return new String(chars, 0, n);
    }

    static void writeText$(MemorySegment segment, long at, int cap, String value, String field) {
        int n = value.length();
        if (n > cap) {
            throw new IllegalArgumentException(field + " holds " + cap + " bytes, the text has " + n);
        }
        int i = 0;
        for (; cap - i >= 8; i += 8) {
            long word = 0;
            for (int k = 7; k >= 0; k--) {
                word = (word << 8) | textByte(value, i + k, n, field);
            }
            segment.set(LE_LONG, at + i, word);
        }
        for (; i < cap; i++) {
            segment.set(ValueLayout.JAVA_BYTE, at + i, (byte) textByte(value, i, n, field));
        }
    }

    /** Character {@code i} of {@code value} as a byte (0 past its end); one beyond ISO-8859-1 throws. */
    private static int textByte(String value, int i, int n, String field) {
        if (i >= n) {
            return 0;
        }
        char ch = value.charAt(i);
        if (ch > 0xff) {
            throw new IllegalArgumentException(field + ": character " + (int) ch + " is not one byte");
        }
        return ch;
    }
    // tachc-support: end
}
