package io.tachyon.vectors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated Java views against tests/vectors/*.json: every field read through the getters matches the JSON;
 * writing every field through the setters into zeroed memory gives the vector's bytes exactly; the value record
 * read from the bytes and written back gives them again; a Batch over all vectors of a type sees each one; the
 * constants, enums, message ids and decoding by id match the JSON's tables. Accessors are found by reflection
 * from the field names, so the test follows the schemas.
 */
class VectorsTest {
    private static final String PKG = "io.tachyon.generated.";
    private static final HexFormat HEX = HexFormat.of();

    static Path dir() {
        return Path.of(System.getProperty("tachyon.vectors", ".."));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> files() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir())) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add((Map<String, Object>) Json.parse(Files.readString(p)));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no vector files in " + dir().toAbsolutePath());
        }
        return out;
    }

    static String camel(String name) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char ch : name.toCharArray()) {
            if (ch == '_') {
                up = sb.length() > 0;
                continue;
            }
            sb.append(up ? Character.toUpperCase(ch) : ch);
            up = false;
        }
        return sb.toString();
    }

    static String pascal(String name) {
        String c = camel(name);
        return Character.toUpperCase(c.charAt(0)) + c.substring(1);
    }

    static Class<?> outer(String schema) throws ClassNotFoundException {
        return Class.forName(PKG + pascal(schema));
    }

    static Class<?> view(String schema, String type) throws ClassNotFoundException {
        return Class.forName(PKG + pascal(schema) + "$" + type);
    }

    static Method method(Class<?> cls, String name, int params) {
        for (String n : new String[] {name, name + "_"}) {
            for (Method m : cls.getMethods()) {
                if (m.getName().equals(n) && m.getParameterCount() == params) {
                    return m;
                }
            }
        }
        throw new AssertionError(cls.getSimpleName() + " has no method " + name + " with " + params + " parameters");
    }

    static Object call(Method m, Object target, Object... args) {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    static boolean isView(Class<?> c) {
        return c.getName().startsWith(PKG) && !c.isEnum() && !c.isRecord();
    }

    static double parseFloat(Object want) {
        if (want instanceof Json.Num n) {
            return Double.parseDouble(n.text());
        }
        return switch ((String) want) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble((String) want);
        };
    }

    static BigInteger parseInt(Object want) {
        return new BigInteger(want instanceof Json.Num n ? n.text() : (String) want);
    }

    // ---- reading ---------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static void check(Object view, Map<String, Object> fields, String path) {
        for (var e : fields.entrySet()) {
            String p = path + "." + e.getKey();
            if (e.getValue() instanceof List<?> list) {
                Method get = method(view.getClass(), camel(e.getKey()), 1);
                for (int i = 0; i < list.size(); i++) {
                    checkValue(view, get, list.get(i), p + "[" + i + "]", i);
                }
                int past = list.size();
                assertThrows(IndexOutOfBoundsException.class, () -> call(get, view, past),
                        p + ": index " + past + " is in range; the vector lists " + past);
                assertThrows(IndexOutOfBoundsException.class, () -> call(get, view, -1), p + ": index -1");
            } else {
                checkValue(view, method(view.getClass(), camel(e.getKey()), 0), e.getValue(), p, -1);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static void checkValue(Object view, Method get, Object want, String path, int index) {
        Object[] args = index < 0 ? new Object[0] : new Object[] {index};
        Object got = call(get, view, args);
        Class<?> t = get.getReturnType();
        if (t.isEnum()) {
            Method raw = method(view.getClass(), get.getName() + "Raw", args.length);
            Object rawValue = call(raw, view, args);
            assertEquals(parseInt(want).longValue(), ((Number) rawValue).longValue(), path + " (raw)");
            Object constValue = call(method(t, "value", 0), got);
            assertEquals(((Number) rawValue).longValue(), ((Number) constValue).longValue(), path + " (enum)");
        } else if (isView(t)) {
            check(got, (Map<String, Object>) want, path);
        } else if (t == float.class) {
            assertEquals(Float.floatToIntBits((float) parseFloat(want)), Float.floatToIntBits((Float) got), path);
        } else if (t == double.class) {
            assertEquals(Double.doubleToLongBits(parseFloat(want)), Double.doubleToLongBits((Double) got), path);
        } else if (t == boolean.class || t == String.class) {
            assertEquals(want, got, path);
        } else {
            assertEquals(parseInt(want).longValue(), ((Number) got).longValue(), path);
        }
    }

    // ---- writing ---------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static void write(Object view, Map<String, Object> fields) {
        for (var e : fields.entrySet()) {
            if (e.getValue() instanceof List<?> list) {
                Method get = method(view.getClass(), camel(e.getKey()), 1);
                for (int i = 0; i < list.size(); i++) {
                    writeValue(view, e.getKey(), get, list.get(i), i);
                }
            } else {
                writeValue(view, e.getKey(), method(view.getClass(), camel(e.getKey()), 0), e.getValue(), -1);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static void writeValue(Object view, String field, Method get, Object want, int index) {
        Class<?> t = get.getReturnType();
        boolean indexed = index >= 0;
        if (isView(t)) {
            write(indexed ? call(get, view, index) : call(get, view), (Map<String, Object>) want);
            return;
        }
        String setter = "set" + pascal(field) + (t.isEnum() ? "Raw" : "");
        Method set = method(view.getClass(), setter, indexed ? 2 : 1);
        Class<?> pt = set.getParameterTypes()[indexed ? 1 : 0];
        Object v;
        if (pt == float.class) {
            v = (float) parseFloat(want);
        } else if (pt == double.class) {
            v = parseFloat(want);
        } else if (pt == boolean.class || pt == String.class) {
            v = want;
        } else {
            BigInteger b = parseInt(want);
            v = pt == long.class ? (Object) b.longValue() : pt == int.class ? (Object) b.intValue()
                    : pt == short.class ? (Object) b.shortValue() : (Object) b.byteValue();
        }
        if (indexed) {
            call(set, view, index, v);
        } else {
            call(set, view, v);
        }
    }

    static Object newView(Class<?> cls, MemorySegment seg) {
        try {
            return cls.getConstructor(MemorySegment.class).newInstance(seg);
        } catch (InvocationTargetException e) {
            throw (RuntimeException) e.getCause();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static int size(Class<?> cls) {
        try {
            return cls.getField("SIZE").getInt(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    // ---- the tests -------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> vectors() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> file : files()) {
            String schema = (String) file.get("schema");
            List<Map<String, Object>> vectors = (List<Map<String, Object>>) file.get("vectors");
            assertTrue(!vectors.isEmpty(), schema + ": no vectors");
            for (int n = 0; n < vectors.size(); n++) {
                Map<String, Object> v = vectors.get(n);
                String type = (String) v.get("type");
                tests.add(DynamicTest.dynamicTest(schema + "." + type + "/" + n, () -> {
                    Class<?> cls = view(schema, type);
                    byte[] want = HEX.parseHex((String) v.get("hex"));
                    assertEquals(want.length, size(cls), "SIZE");
                    try (Arena arena = Arena.ofConfined()) {
                        // An odd offset inside a bigger segment: every access is unaligned-safe.
                        MemorySegment big = arena.allocate(want.length + 3);
                        MemorySegment in = big.asSlice(3, want.length);
                        in.copyFrom(MemorySegment.ofArray(want));
                        Object view = newView(cls, in);
                        check(view, (Map<String, Object>) v.get("fields"), type);

                        MemorySegment out = arena.allocate(want.length);
                        write(newView(cls, out), (Map<String, Object>) v.get("fields"));
                        assertEquals(HEX.formatHex(want), HEX.formatHex(out.toArray(ValueLayout.JAVA_BYTE)),
                                "re-encoded through the setters");

                        Object value = call(method(cls, "get", 0), view);
                        MemorySegment again = arena.allocate(want.length).fill((byte) 0x5a);
                        Object target = newView(cls, again);
                        call(cls.getMethod("set", value.getClass()), target, value);
                        assertEquals(HEX.formatHex(want), HEX.formatHex(again.toArray(ValueLayout.JAVA_BYTE)),
                                "re-encoded through the value record");
                        assertEquals(value, call(method(cls, "get", 0), target));
                        assertTrue(view.toString().startsWith(type + "["), view.toString());

                        assertThrows(IllegalArgumentException.class,
                                () -> newView(cls, in.asSlice(0, want.length - 1)), "a short segment");
                    }
                }));
            }
        }
        return tests.stream();
    }

    /**
     * char[N] is UTF-8: text that does not fit its field is refused (IllegalArgumentException) with the record
     * untouched, never cut inside a code point; bytes that are not UTF-8 fail to read as text.
     */
    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> textRules() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> file : files()) {
            String schema = (String) file.get("schema");
            List<Map<String, Object>> refused = (List<Map<String, Object>>) file.get("text_refused");
            for (int n = 0; n < refused.size(); n++) {
                Map<String, Object> r = refused.get(n);
                tests.add(DynamicTest.dynamicTest(schema + ".text_refused/" + n, () -> {
                    Class<?> cls = view(schema, (String) r.get("type"));
                    byte[] want = HEX.parseHex((String) r.get("hex"));
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment seg = arena.allocate(want.length);
                        seg.copyFrom(MemorySegment.ofArray(want));
                        Object view = newView(cls, seg);
                        Method set = method(cls, "set" + pascal((String) r.get("field")), 1);
                        assertThrows(IllegalArgumentException.class, () -> call(set, view, r.get("value")));
                        assertEquals(HEX.formatHex(want), HEX.formatHex(seg.toArray(ValueLayout.JAVA_BYTE)),
                                "the record is untouched");
                    }
                }));
            }
            List<Map<String, Object>> invalid = (List<Map<String, Object>>) file.get("text_invalid");
            for (int n = 0; n < invalid.size(); n++) {
                Map<String, Object> r = invalid.get(n);
                tests.add(DynamicTest.dynamicTest(schema + ".text_invalid/" + n, () -> {
                    Class<?> cls = view(schema, (String) r.get("type"));
                    Object view = newView(cls, MemorySegment.ofArray(HEX.parseHex((String) r.get("hex"))));
                    Method get = method(cls, camel((String) r.get("field")), 0);
                    assertThrows(IllegalArgumentException.class, () -> call(get, view));
                }));
            }
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> batches() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> file : files()) {
            String schema = (String) file.get("schema");
            Map<String, List<byte[]>> byType = new java.util.TreeMap<>();
            for (Map<String, Object> v : (List<Map<String, Object>>) file.get("vectors")) {
                byType.computeIfAbsent((String) v.get("type"), k -> new ArrayList<>())
                        .add(HEX.parseHex((String) v.get("hex")));
            }
            for (var e : byType.entrySet()) {
                tests.add(DynamicTest.dynamicTest(schema + "." + e.getKey() + " batch", () -> {
                    Class<?> cls = view(schema, e.getKey());
                    int size = size(cls);
                    List<byte[]> records = e.getValue();
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment seg = arena.allocate((long) size * records.size());
                        for (int i = 0; i < records.size(); i++) {
                            seg.asSlice((long) i * size, size).copyFrom(MemorySegment.ofArray(records.get(i)));
                        }
                        Class<?> batchClass = Class.forName(cls.getName() + "$Batch");
                        Object batch = batchClass.getConstructor(MemorySegment.class).newInstance(seg);
                        assertEquals(records.size(), call(method(batchClass, "count", 0), batch));
                        for (int i = 0; i < records.size(); i++) {
                            Object fromBatch = call(method(batchClass, "get", 1), batch, i);
                            Object single = newView(cls, MemorySegment.ofArray(records.get(i)));
                            assertEquals(call(method(cls, "get", 0), single), call(method(cls, "get", 0), fromBatch));
                        }
                        int past = records.size();
                        assertThrows(IndexOutOfBoundsException.class,
                                () -> call(method(batchClass, "get", 1), batch, past));
                        MemorySegment ragged = seg.asSlice(0, seg.byteSize() - 1);
                        var err = assertThrows(InvocationTargetException.class,
                                () -> batchClass.getConstructor(MemorySegment.class).newInstance(ragged));
                        assertInstanceOf(IllegalArgumentException.class, err.getCause());
                    }
                }));
            }
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> tables() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> file : files()) {
            String schema = (String) file.get("schema");
            tests.add(DynamicTest.dynamicTest(schema + " messages", () -> {
                Class<?> o = outer(schema);
                Method decode = o.getMethod("decode", int.class, MemorySegment.class);
                Method name = o.getMethod("messageName", int.class);
                Method payloadSize = o.getMethod("payloadSize", int.class);
                int maxId = 0;
                for (Map<String, Object> m : (List<Map<String, Object>>) file.get("messages")) {
                    int id = parseInt(m.get("id")).intValue();
                    maxId = Math.max(maxId, id);
                    String msgName = (String) m.get("name");
                    assertEquals(id, o.getField("MSG_" + msgName.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                            .toUpperCase()).getInt(null));
                    assertEquals(msgName, name.invoke(null, id));
                    String payload = (String) m.get("payload");
                    if (payload == null) {
                        assertEquals(0, payloadSize.invoke(null, id));
                        assertNull(decode.invoke(null, id, MemorySegment.NULL));
                        continue;
                    }
                    Map<String, Object> st = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                            file.get("types")).get("structs")).get(payload);
                    Class<?> cls = view((String) st.get("schema"), payload);
                    int size = size(cls);
                    assertEquals(size, payloadSize.invoke(null, id));
                    assertInstanceOf(cls, decode.invoke(null, id, MemorySegment.ofArray(new byte[size])));
                    var err = assertThrows(InvocationTargetException.class,
                            () -> decode.invoke(null, id, MemorySegment.ofArray(new byte[size - 1])));
                    assertInstanceOf(IllegalArgumentException.class, err.getCause());
                }
                int unknown = maxId + 1000;
                assertNull(name.invoke(null, unknown));
                assertEquals(-1, payloadSize.invoke(null, unknown));
                var err = assertThrows(InvocationTargetException.class,
                        () -> decode.invoke(null, unknown, MemorySegment.NULL));
                assertInstanceOf(IllegalArgumentException.class, err.getCause());
            }));
            tests.add(DynamicTest.dynamicTest(schema + " constants", () -> {
                Class<?> o = outer(schema);
                for (Map<String, Object> k : (List<Map<String, Object>>) file.get("consts")) {
                    Field f = o.getField((String) k.get("name"));
                    Object got = f.get(null);
                    Object want = k.get("value");
                    switch ((String) k.get("type")) {
                        case "string", "bool" -> assertEquals(want, got, f.getName());
                        case "f32", "f64" -> assertEquals(parseFloat(want), ((Number) got).doubleValue(), f.getName());
                        default -> assertEquals(parseInt(want).longValue(), ((Number) got).longValue(), f.getName());
                    }
                }
            }));
            tests.add(DynamicTest.dynamicTest(schema + " enums", () -> {
                Class<?> o = outer(schema);
                for (var e : ((Map<String, Object>) file.get("enums")).entrySet()) {
                    Map<String, Object> en = (Map<String, Object>) e.getValue();
                    Class<?> cls = Class.forName(o.getName() + "$" + e.getKey());
                    Map<String, Object> values = (Map<String, Object>) en.get("values");
                    if ((Boolean) en.get("flags")) {
                        for (var v : values.entrySet()) {
                            assertEquals(parseInt(v.getValue()).longValue(),
                                    ((Number) cls.getField(v.getKey()).get(null)).longValue(), v.getKey());
                        }
                        continue;
                    }
                    assertTrue(cls.isEnum());
                    assertEquals(values.size(), cls.getEnumConstants().length);
                    Method of = method(cls, "of", 1);
                    for (var v : values.entrySet()) {
                        Object constant = cls.getField(v.getKey()).get(null);
                        long raw = parseInt(v.getValue()).longValue();
                        assertEquals(raw, ((Number) call(method(cls, "value", 0), constant)).longValue());
                        Object back = of.getParameterTypes()[0] == long.class ? call(of, null, raw)
                                : call(of, null, (int) raw);
                        assertEquals(constant, back);
                    }
                }
            }));
        }
        return tests.stream();
    }

    /** The view of a payload in a ring slot throws once its arena is closed (what a Tx commit does). */
    @org.junit.jupiter.api.Test
    void viewDiesWithItsArena() throws Exception {
        Class<?> cls = view("market", "MarketTick");
        Object tick;
        try (Arena arena = Arena.ofConfined()) {
            tick = newView(cls, arena.allocate(size(cls)));
            call(cls.getMethod("setPrice", double.class), tick, 1.5);
            assertEquals(1.5, call(cls.getMethod("price"), tick));
        }
        Object dead = tick;
        assertThrows(IllegalStateException.class, () -> call(cls.getMethod("price"), dead));
    }
}
