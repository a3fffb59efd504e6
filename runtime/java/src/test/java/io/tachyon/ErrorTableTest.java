package io.tachyon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binding's error list against the one table in runtime/include/tachyon.h (TACHYON_ERROR_LIST): a code added,
 * removed, renumbered or renamed there fails here until ErrorCode and TachyonException follow.
 */
class ErrorTableTest {
    /** One row of TACHYON_ERROR_LIST: X(ENUM_NAME, number, ShortName, "description"). */
    record Row(String name, int number, String shortName, String description) {}

    static List<Row> headerRows() throws IOException {
        Path header = Path.of(System.getProperty("tachyon.header", "../include/tachyon.h"));
        String text = Files.readString(header);
        List<Row> rows = new ArrayList<>();
        Matcher m = Pattern.compile(
                "X\\(\\s*TACHYON_(?:ERR_)?([A-Z_]+)\\s*,\\s*(\\d+)\\s*,\\s*(\\w+)\\s*,\\s*\"([^\"]*)\"\\s*\\)")
                .matcher(text);
        while (m.find()) {
            rows.add(new Row(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4)));
        }
        return rows;
    }

    @Test
    void codesMatchTheHeader() throws IOException {
        List<Row> rows = headerRows();
        assertTrue(rows.size() > 10, "parsed too few rows of TACHYON_ERROR_LIST: " + rows);
        assertEquals(rows.stream().map(Row::name).toList(), Arrays.stream(ErrorCode.values()).map(Enum::name).toList(),
                "ErrorCode must list TACHYON_ERROR_LIST's codes in order");
        for (Row r : rows) {
            ErrorCode code = ErrorCode.valueOf(r.name());
            assertEquals(r.number(), code.value(), r.name());
            assertEquals(r.description(), code.describe(), r.name() + " (tachyon_strerror)");
            assertEquals(r.shortName(), Native.errorName(code.value()), r.name() + " (tachyon_error_name)");
        }
    }

    @Test
    void oneExceptionClassPerCodeNamedAfterItsShortName() throws Exception {
        List<Row> rows = headerRows();
        var permitted = TachyonException.class.getPermittedSubclasses();
        assertEquals(rows.size() - 1, permitted.length, "one subclass per code but OK");
        for (Row r : rows) {
            ErrorCode code = ErrorCode.valueOf(r.name());
            if (code == ErrorCode.OK) {
                assertThrows(IllegalArgumentException.class, () -> TachyonException.of(0, "x"));
                continue;
            }
            Class<?> cls = Class.forName("io.tachyon.TachyonException$" + r.shortName());
            TachyonException e = TachyonException.of(code.value(), "call");
            assertInstanceOf(cls, e);
            assertEquals(code, e.code());
            assertEquals("call: " + r.description(), e.getMessage());
            assertEquals(0, e.osErrno());
        }
    }

    @Test
    void unknownNumbersAreRefused() {
        int past = ErrorCode.values().length;
        assertNull(ErrorCode.of(past));
        assertNull(ErrorCode.of(-1));
        assertNull(Native.errorName(past));
        assertThrows(IllegalStateException.class, () -> TachyonException.of(past, "x"));
    }
}
