package io.tachyon.vectors

/** A number as written in the JSON, so no precision is lost before the test decides its type. */
data class Num(val text: String)

/** A small JSON reader for the vector files: Map, List, String, [Num], Boolean, null. */
class Json private constructor(private val s: String) {
    private var i = 0

    companion object {
        fun parse(text: String): Any? {
            val j = Json(text)
            val v = j.value()
            j.ws()
            require(j.i == text.length) { "JSON: trailing text at ${j.i}" }
            return v
        }
    }

    private fun ws() {
        while (i < s.length && s[i].isWhitespace()) i++
    }

    private fun expect(c: Char) {
        require(i < s.length && s[i] == c) { "JSON: expected '$c' at $i" }
        i++
    }

    private fun value(): Any? {
        ws()
        return when (s[i]) {
            '{' -> {
                i++
                val m = LinkedHashMap<String, Any?>()
                ws()
                if (s[i] == '}') {
                    i++
                } else {
                    while (true) {
                        ws()
                        val k = string()
                        ws()
                        expect(':')
                        m[k] = value()
                        ws()
                        if (s[i] == ',') {
                            i++
                            continue
                        }
                        expect('}')
                        break
                    }
                }
                m
            }

            '[' -> {
                i++
                val l = ArrayList<Any?>()
                ws()
                if (s[i] == ']') {
                    i++
                } else {
                    while (true) {
                        l.add(value())
                        ws()
                        if (s[i] == ',') {
                            i++
                            continue
                        }
                        expect(']')
                        break
                    }
                }
                l
            }

            '"' -> string()

            else -> when {
                s.startsWith("true", i) -> {
                    i += 4
                    true
                }

                s.startsWith("false", i) -> {
                    i += 5
                    false
                }

                s.startsWith("null", i) -> {
                    i += 4
                    null
                }

                else -> {
                    val start = i
                    while (i < s.length && s[i] in "+-0123456789.eE") i++
                    require(start != i) { "JSON: unexpected '${s[i]}' at $i" }
                    Num(s.substring(start, i))
                }
            }
        }
    }

    private fun string(): String {
        expect('"')
        val sb = StringBuilder()
        while (true) {
            val c = s[i++]
            if (c == '"') return sb.toString()
            if (c != '\\') {
                sb.append(c)
                continue
            }
            when (val e = s[i++]) {
                'n' -> sb.append('\n')

                't' -> sb.append('\t')

                'r' -> sb.append('\r')

                'b' -> sb.append('\b')

                'f' -> sb.append('\u000c')

                'u' -> {
                    sb.append(s.substring(i, i + 4).toInt(16).toChar())
                    i += 4
                }

                else -> sb.append(e)
            }
        }
    }
}
