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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binding's error list against the one table in runtime/include/tachyon.h: a code added, removed or
 * reordered there fails here until ErrorCode and TachyonException follow.
 */
class ErrorTableTest {
    /** The TACHYON_ERR_* names in header order, OK first. */
    static List<String> headerCodes() throws IOException {
        Path header = Path.of(System.getProperty("tachyon.header", "../include/tachyon.h"));
        String text = Files.readString(header);
        List<String> codes = new ArrayList<>();
        codes.add("OK");
        // Either the enum body (TACHYON_ERR_NAME,) or an X-macro entry (X(NAME, ...)).
        Matcher xm = Pattern.compile("^\\s*X\\(\\s*([A-Z_]+)\\s*,", Pattern.MULTILINE).matcher(text);
        while (xm.find()) {
            if (!xm.group(1).equals("OK")) {
                codes.add(xm.group(1));
            }
        }
        if (codes.size() == 1) {
            Matcher em = Pattern.compile("^\\s*TACHYON_ERR_([A-Z_]+[A-Z])\\s*(?:=\\s*\\d+\\s*)?,", Pattern.MULTILINE)
                    .matcher(text);
            while (em.find()) {
                codes.add(em.group(1));
            }
        }
        return codes;
    }

    static String pascal(String code) {
        StringBuilder sb = new StringBuilder();
        for (String w : code.split("_")) {
            sb.append(w.charAt(0)).append(w.substring(1).toLowerCase());
        }
        return sb.toString();
    }

    @Test
    void codesMatchTheHeader() throws IOException {
        List<String> header = headerCodes();
        assertTrue(header.size() > 10, "parsed too few codes from tachyon.h: " + header);
        assertEquals(header, Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
    }

    @Test
    void oneExceptionClassPerCode() throws Exception {
        var permitted = TachyonException.class.getPermittedSubclasses();
        assertEquals(ErrorCode.values().length - 1, permitted.length);
        for (ErrorCode code : ErrorCode.values()) {
            if (code == ErrorCode.OK) {
                assertThrows(IllegalArgumentException.class, () -> TachyonException.of(0, "x"));
                continue;
            }
            Class<?> cls = Class.forName("io.tachyon.TachyonException$" + pascal(code.name()));
            TachyonException e = TachyonException.of(code.value(), "call");
            assertInstanceOf(cls, e);
            assertEquals(code, e.code());
            assertEquals("call: " + code.describe(), e.getMessage());
        }
    }

    @Test
    void descriptionsComeFromTheLibrary() {
        for (ErrorCode code : ErrorCode.values()) {
            String d = code.describe();
            assertFalse(d.isBlank(), code + " has no description");
        }
        assertTrue(ErrorCode.of(ErrorCode.values().length) == null && ErrorCode.of(-1) == null);
        assertThrows(IllegalStateException.class, () -> TachyonException.of(ErrorCode.values().length, "x"));
    }
}
