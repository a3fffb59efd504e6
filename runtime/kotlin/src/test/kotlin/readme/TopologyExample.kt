// The README's Kotlin topology example, verbatim (ReadmeTopologyTest checks that it is and runs it).
package readme

import io.tachyon.Join
import io.tachyon.LagPolicy
import io.tachyon.WaitSet
import io.tachyon.kotlin.awaitReady
import io.tachyon.kotlin.connect
import io.tachyon.kotlin.listenFanIn
import io.tachyon.kotlin.listenFanOut
import io.tachyon.kotlin.messages
import io.tachyon.kotlin.receiveAsync
import io.tachyon.kotlin.send
import io.tachyon.kotlin.sendAsync
import io.tachyon.kotlin.subscribe
import kotlin.time.Duration.Companion.seconds

// fun main() = runBlocking { topologyExample("@ticks", "@orders") }
suspend fun topologyExample(ticks: String, orders: String) {
    listenFanOut(ticks, policy = LagPolicy.DROP).use { pub ->
        subscribe(ticks, join = Join.NEWEST).use { sub ->
            pub.sendAsync(byteArrayOf(1, 2, 3), typeId = 1)          // waits for room on Dispatchers.IO
            pub.send(2, typeId = 2) { slot -> slot.fill(9) }         // written in place
            pub.close()                                              // the flow ends after the last message
            sub.messages().collect { println("${it.typeId}: ${it.data.size} bytes") }
        }
    }
    listenFanIn(orders).use { fi ->
        WaitSet().use { ws ->
            ws.add(fi, 7)
            connect(orders).use { bus -> bus.send(byteArrayOf(4, 5), 3) }  // closing publishes it
            println(ws.awaitReady(1.seconds).toList())
        }
        fi.receiveAsync { msg -> println("${msg.typeId()} from producer ${msg.sender().id()}") }  // in place
    }
}
