package readme

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/** The README's Kotlin topology example is TopologyExample.kt word for word, and prints what the README shows. */
class ReadmeTopologyTest {
    @Test
    fun `the README example is this file's and prints what the README shows`() {
        val lib = Path.of(System.getProperty("tachyon.library")).toAbsolutePath().normalize()
        val repo = lib.parent.parent.parent
        val readme = Files.readString(repo.resolve("README.md"))
        val section = readme.substring(readme.indexOf("In Kotlin (`io.tachyon.kotlin`"))
        val m = Regex("```kotlin\n(.*?)```\n.*?```text\n(.*?)```", RegexOption.DOT_MATCHES_ALL).find(section)
        assertNotNull(m, "a ```kotlin block and its ```text output under \"In Kotlin\"")
        val (block, output) = m!!.destructured
        val file = Files.readString(repo.resolve("runtime/kotlin/src/test/kotlin/readme/TopologyExample.kt"))
        assertTrue(
            file.endsWith(block),
            "runtime/kotlin/src/test/kotlin/readme/TopologyExample.kt is not the README's block",
        )

        val tag = "${ProcessHandle.current().pid()}-${System.nanoTime()}"
        val out = ByteArrayOutputStream()
        val saved = System.out
        System.setOut(PrintStream(out, true, Charsets.UTF_8))
        try {
            runBlocking { topologyExample("@readme-ticks-$tag", "@readme-orders-$tag") }
        } finally {
            System.setOut(saved)
        }
        assertEquals(output, out.toString(Charsets.UTF_8))
    }
}
