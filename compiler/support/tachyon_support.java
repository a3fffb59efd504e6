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

    static String readText$(MemorySegment segment, long at, int cap) {
        char[] chars = new char[cap];
        int n = 0;
        while (n < cap) {
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
        for (int i = 0; i < n; i++) {
            char ch = value.charAt(i);
            if (ch > 0xff) {
                throw new IllegalArgumentException(field + ": character " + (int) ch + " is not one byte");
            }
            segment.set(ValueLayout.JAVA_BYTE, at + i, (byte) ch);
        }
        for (int i = n; i < cap; i++) {
            segment.set(ValueLayout.JAVA_BYTE, at + i, (byte) 0);
        }
    }
    // tachc-support: end
}
