package io.tachyon.vectors

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.lang.foreign.Arena
import java.lang.foreign.MemorySegment
import java.lang.foreign.ValueLayout
import java.lang.reflect.InvocationTargetException
import java.math.BigInteger
import java.nio.charset.CharacterCodingException
import java.nio.file.Files
import java.nio.file.Path
import java.util.HexFormat
import kotlin.io.path.name
import kotlin.io.path.readText
import kotlin.reflect.KClass
import kotlin.reflect.KFunction
import kotlin.reflect.KMutableProperty1
import kotlin.reflect.KProperty1
import kotlin.reflect.full.companionObject
import kotlin.reflect.full.companionObjectInstance
import kotlin.reflect.full.memberFunctions
import kotlin.reflect.full.memberProperties
import kotlin.reflect.full.primaryConstructor

/**
 * The generated Kotlin value classes against the vector files (tests/vectors, one JSON per schema): every property (and indexed accessor) reads
 * what the JSON says; writing every field through the setters into zeroed memory gives the vector's bytes
 * exactly; toString names the type; decoding by id, constants and enums match the JSON's tables. Accessors are
 * found with kotlin-reflect from the field names, so the test follows the schemas.
 */
class VectorsTest {
    private val pkg = "io.tachyon.generated."
    private val hex = HexFormat.of()

    @Suppress("UNCHECKED_CAST")
    private fun files(): List<Map<String, Any?>> {
        val dir = Path.of(System.getProperty("tachyon.vectors", ".."))
        val paths = Files.list(dir).use { s -> s.filter { it.name.endsWith(".json") }.sorted().toList() }
        check(paths.isNotEmpty()) { "no vector files in ${dir.toAbsolutePath()}" }
        return paths.map { Json.parse(it.readText()) as Map<String, Any?> }
    }

    private fun camel(name: String): String {
        val words = name.split('_').filter { it.isNotEmpty() }
        return words.first() + words.drop(1).joinToString("") { it.replaceFirstChar(Char::uppercaseChar) }
    }

    private fun pascal(name: String) = camel(name).replaceFirstChar(Char::uppercaseChar)

    private fun view(schema: String, type: String): KClass<*> = Class.forName("$pkg$schema.$type").kotlin

    private fun newView(cls: KClass<*>, seg: MemorySegment): Any = try {
        cls.primaryConstructor!!.call(seg)
    } catch (e: InvocationTargetException) {
        throw e.targetException
    }

    private fun size(cls: KClass<*>): Int = cls.companionObject!!.memberProperties.first {
        it.name == "SIZE"
    }.getter.call(cls.companionObjectInstance) as Int

    private fun isView(c: KClass<*>) = c.isValue && c.qualifiedName!!.startsWith(pkg)

    @Suppress("UNCHECKED_CAST")
    private fun prop(cls: KClass<*>, name: String): KProperty1<Any, Any?> = (
        cls.memberProperties.firstOrNull { it.name == name }
            ?: cls.memberProperties.firstOrNull { it.name == name + "_" }
            ?: error("${cls.simpleName} has no property $name")
        ) as KProperty1<Any, Any?>

    private fun fn(cls: KClass<*>, name: String, arity: Int): KFunction<*> = cls.memberFunctions.firstOrNull {
        (it.name == name || it.name == name + "_") && it.parameters.size == arity + 1
    }
        ?: error("${cls.simpleName} has no function $name with $arity parameters")

    private fun call(f: KFunction<*>, vararg args: Any?): Any? = try {
        f.call(*args)
    } catch (e: InvocationTargetException) {
        throw e.targetException
    }

    private fun parseFloat(want: Any?): Double = when (want) {
        is Num -> want.text.toDouble()
        "inf" -> Double.POSITIVE_INFINITY
        "-inf" -> Double.NEGATIVE_INFINITY
        "nan" -> Double.NaN
        else -> (want as String).toDouble()
    }

    private fun parseInt(want: Any?): BigInteger = BigInteger(if (want is Num) want.text else want as String)

    private fun enumValue(e: Any): Long = (
        e::class.memberProperties.first {
            it.name == "value"
        }.getter.call(e)
        ).let(::asLong)

    private fun asLong(v: Any?): Long = when (v) {
        is UByte -> v.toLong()
        is UShort -> v.toLong()
        is UInt -> v.toLong()
        is ULong -> v.toLong()
        is Number -> v.toLong()
        else -> error("not a number: $v")
    }

    /** [v] in the JVM type of [like]: an unsigned constant is held in its signed type's bits. */
    private fun sameWidth(v: BigInteger, like: Any?): Any = when (like) {
        is Byte -> v.toByte()
        is Short -> v.toShort()
        is Int -> v.toInt()
        else -> v.toLong()
    }

    private fun checkValue(got: Any?, want: Any?, path: String) {
        when (got) {
            is Float -> assertEquals(parseFloat(want).toFloat().toRawBits(), got.toRawBits(), path)
            is Double -> assertEquals(parseFloat(want).toRawBits(), got.toRawBits(), path)
            is Boolean, is String -> assertEquals(want, got, path)
            else -> assertEquals(parseInt(want).toLong(), asLong(got), path)
        }
    }

    /** Converts a JSON value to what a setter of Kotlin type [c] takes. */
    private fun convert(want: Any?, c: KClass<*>): Any? = when (c) {
        Float::class -> parseFloat(want).toFloat()
        Double::class -> parseFloat(want)
        Boolean::class, String::class -> want
        UByte::class -> parseInt(want).toInt().toUByte()
        UShort::class -> parseInt(want).toInt().toUShort()
        UInt::class -> parseInt(want).toLong().toUInt()
        ULong::class -> parseInt(want).toLong().toULong()
        Byte::class -> parseInt(want).toByte()
        Short::class -> parseInt(want).toShort()
        Int::class -> parseInt(want).toInt()
        Long::class -> parseInt(want).toLong()
        else -> error("no conversion to $c")
    }

    @Suppress("UNCHECKED_CAST")
    private fun check(view: Any, fields: Map<String, Any?>, path: String) {
        val cls = view::class
        for ((key, want) in fields) {
            val name = camel(key)
            val p = "$path.$key"
            if (want is List<*>) {
                val get = fn(cls, name, 1)
                val elem = get.returnType.classifier as KClass<*>
                want.forEachIndexed { i, w ->
                    when {
                        isView(elem) -> check(call(get, view, i)!!, w as Map<String, Any?>, "$p[$i]")

                        elem.java.isEnum -> {
                            checkValue(call(fn(cls, name + "Raw", 1), view, i), w, "$p[$i] raw")
                            assertEquals(parseInt(w).toLong(), enumValue(call(get, view, i)!!), "$p[$i]")
                        }

                        else -> checkValue(call(get, view, i), w, "$p[$i]")
                    }
                }
                assertThrows(IndexOutOfBoundsException::class.java, { call(get, view, want.size) }, "$p past the end")
                continue
            }
            val prop = prop(cls, name)
            val got = prop.get(view)
            val c = prop.returnType.classifier as KClass<*>
            when {
                isView(c) -> check(got!!, want as Map<String, Any?>, p)

                c.java.isEnum -> {
                    checkValue(prop(cls, name + "Raw").get(view), want, "$p raw")
                    assertEquals(parseInt(want).toLong(), enumValue(got!!), p)
                }

                else -> checkValue(got, want, p)
            }
        }
    }

    @Suppress("UNCHECKED_CAST")
    private fun write(view: Any, fields: Map<String, Any?>) {
        val cls = view::class
        for ((key, want) in fields) {
            val name = camel(key)
            if (want is List<*>) {
                val get = fn(cls, name, 1)
                val elem = get.returnType.classifier as KClass<*>
                want.forEachIndexed { i, w ->
                    when {
                        isView(elem) -> write(call(get, view, i)!!, w as Map<String, Any?>)

                        elem.java.isEnum -> {
                            val set = fn(cls, "set${pascal(key)}Raw", 2)
                            call(set, view, i, convert(w, set.parameters[2].type.classifier as KClass<*>))
                        }

                        else -> call(fn(cls, "set${pascal(key)}", 2), view, i, convert(w, elem))
                    }
                }
                continue
            }
            val prop = prop(cls, name)
            val c = prop.returnType.classifier as KClass<*>
            when {
                isView(c) -> write(prop.get(view)!!, want as Map<String, Any?>)

                c.java.isEnum -> {
                    val raw = prop(cls, name + "Raw") as KMutableProperty1<Any, Any?>
                    raw.set(view, convert(want, raw.returnType.classifier as KClass<*>))
                }

                else -> (prop as KMutableProperty1<Any, Any?>).set(view, convert(want, c))
            }
        }
    }

    /** What a reflective call threw, without reflection's wrapper. */
    private fun thrown(block: () -> Unit): Throwable {
        val e = assertThrows(Throwable::class.java) { block() }
        return if (e is InvocationTargetException) e.targetException else e
    }

    /**
     * char[N] is UTF-8: text that does not fit its field is refused (IllegalArgumentException) with the record
     * untouched, never cut inside a code point; bytes that are not UTF-8 fail to read as text
     * (CharacterCodingException).
     */
    @Suppress("UNCHECKED_CAST")
    @TestFactory
    fun textRules(): List<DynamicTest> = files().flatMap { file ->
        val schema = file["schema"] as String
        val refused = (file["text_refused"] as List<Map<String, Any?>>).mapIndexed { n, r ->
            DynamicTest.dynamicTest("$schema.text_refused/$n") {
                val cls = view(schema, r["type"] as String)
                val want = hex.parseHex(r["hex"] as String)
                Arena.ofConfined().use { arena ->
                    val seg = arena.allocate(want.size.toLong())
                    seg.copyFrom(MemorySegment.ofArray(want))
                    val view = newView(cls, seg)
                    val p = prop(cls, camel(r["field"] as String)) as KMutableProperty1<Any, Any?>
                    val e = thrown { p.set(view, r["value"]) }
                    assertTrue(e is IllegalArgumentException, "refused with $e")
                    assertEquals(hex.formatHex(want), hex.formatHex(seg.toArray(ValueLayout.JAVA_BYTE)), "untouched")
                }
            }
        }
        val invalid = (file["text_invalid"] as List<Map<String, Any?>>).mapIndexed { n, r ->
            DynamicTest.dynamicTest("$schema.text_invalid/$n") {
                val cls = view(schema, r["type"] as String)
                val view = newView(cls, MemorySegment.ofArray(hex.parseHex(r["hex"] as String)))
                val e = thrown { prop(cls, camel(r["field"] as String)).get(view) }
                assertTrue(e is CharacterCodingException, "failed with $e")
            }
        }
        refused + invalid
    }

    @Suppress("UNCHECKED_CAST")
    @TestFactory
    fun vectors(): List<DynamicTest> = files().flatMap { file ->
        val schema = file["schema"] as String
        (file["vectors"] as List<Map<String, Any?>>).mapIndexed { n, v ->
            val type = v["type"] as String
            DynamicTest.dynamicTest("$schema.$type/$n") {
                val cls = view(schema, type)
                val want = hex.parseHex(v["hex"] as String)
                assertEquals(want.size, size(cls), "SIZE")
                Arena.ofConfined().use { arena ->
                    val big = arena.allocate(want.size + 3L)
                    val input = big.asSlice(3, want.size.toLong()) // odd address: unaligned access
                    input.copyFrom(MemorySegment.ofArray(want))
                    val view = newView(cls, input)
                    check(view, v["fields"] as Map<String, Any?>, type)
                    assertTrue(view.toString().startsWith("$type("), view.toString())

                    val out = arena.allocate(want.size.toLong())
                    write(newView(cls, out), v["fields"] as Map<String, Any?>)
                    assertEquals(hex.formatHex(want), hex.formatHex(out.toArray(ValueLayout.JAVA_BYTE)), "re-encoded")

                    assertThrows(IllegalArgumentException::class.java) {
                        newView(cls, input.asSlice(0, want.size - 1L))
                    }
                }
            }
        }
    }

    @Suppress("UNCHECKED_CAST")
    @TestFactory
    fun tables(): List<DynamicTest> = files().flatMap { file ->
        val schema = file["schema"] as String
        val facade = Class.forName("$pkg$schema.${pascal(schema)}Kt")
        listOf(
            DynamicTest.dynamicTest("$schema messages") {
                val decode = facade.getMethod("decode", Int::class.java, MemorySegment::class.java)
                val name = facade.getMethod("messageName", Int::class.java)
                val payloadSize = facade.getMethod("payloadSize", Int::class.java)
                var maxId = 0
                for (m in file["messages"] as List<Map<String, Any?>>) {
                    val id = parseInt(m["id"]).toInt()
                    maxId = maxOf(maxId, id)
                    val msgName = m["name"] as String
                    val constName = "MSG_" + msgName.replace(Regex("([a-z0-9])([A-Z])"), "$1_$2").uppercase()
                    assertEquals(id, facade.getField(constName).getInt(null))
                    assertEquals(msgName, name.invoke(null, id))
                    val payload = m["payload"] as String?
                    if (payload == null) {
                        assertEquals(0, payloadSize.invoke(null, id))
                        assertNull(decode.invoke(null, id, MemorySegment.NULL))
                        continue
                    }
                    val structs = (file["types"] as Map<String, Any?>)["structs"] as Map<String, Any?>
                    val cls = view((structs[payload] as Map<String, Any?>)["schema"] as String, payload)
                    val size = size(cls)
                    assertEquals(size, payloadSize.invoke(null, id))
                    assertEquals(
                        cls.java,
                        decode.invoke(null, id, MemorySegment.ofArray(ByteArray(size)))!!::class.java,
                    )
                    val e = assertThrows(InvocationTargetException::class.java) {
                        decode.invoke(null, id, MemorySegment.ofArray(ByteArray(size - 1)))
                    }
                    assertTrue(e.targetException is IllegalArgumentException)
                }
                assertNull(name.invoke(null, maxId + 1000))
                assertEquals(-1, payloadSize.invoke(null, maxId + 1000))
                val e = assertThrows(InvocationTargetException::class.java) {
                    decode.invoke(null, maxId + 1000, MemorySegment.NULL)
                }
                assertTrue(e.targetException is IllegalArgumentException)
            },
            DynamicTest.dynamicTest("$schema constants and enums") {
                for (k in file["consts"] as List<Map<String, Any?>>) {
                    val got = facade.getField(k["name"] as String).get(null)
                    val want = k["value"]
                    when (k["type"]) {
                        "string", "bool" -> assertEquals(want, got, k["name"] as String)

                        "f32", "f64" -> assertEquals(parseFloat(want), (got as Number).toDouble())

                        // unsigned constants are stored as their signed JVM bits
                        else -> assertEquals(sameWidth(parseInt(want), got), got, k["name"] as String)
                    }
                }
                for ((enumName, e) in file["enums"] as Map<String, Any?>) {
                    val en = e as Map<String, Any?>
                    val values = en["values"] as Map<String, Any?>
                    val cls = Class.forName("$pkg$schema.$enumName")
                    if (en["flags"] as Boolean) {
                        for ((k, v) in values) {
                            assertEquals(
                                sameWidth(parseInt(v), cls.getField(k).get(null)),
                                cls.getField(k).get(null),
                                k,
                            )
                        }
                        continue
                    }
                    assertTrue(cls.isEnum)
                    assertEquals(values.size, cls.enumConstants.size)
                    for ((k, v) in values) {
                        val constant = cls.enumConstants.first { (it as Enum<*>).name == k }
                        assertEquals(parseInt(v).toLong(), enumValue(constant), k)
                    }
                }
            },
        )
    }

    /** tick.price = 1.5 writes in place; the view over a closed arena throws. */
    @Test
    fun propertiesWriteInPlace() {
        val cls = view("market", "MarketTick")
        var kept: Any? = null
        Arena.ofConfined().use { arena ->
            val seg = arena.allocate(size(cls).toLong())
            val tick = newView(cls, seg)
            @Suppress("UNCHECKED_CAST")
            (prop(cls, "price") as KMutableProperty1<Any, Any?>).set(tick, 1.5)
            assertEquals(1.5, seg.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 8))
            kept = tick
        }
        val e = assertThrows(Throwable::class.java) { prop(cls, "price").get(kept!!) }
        val cause = if (e is InvocationTargetException) e.targetException else e
        assertTrue(cause is IllegalStateException, "reading a view of a closed arena threw $cause")
    }
}
