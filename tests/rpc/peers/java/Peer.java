import io.tachyon.Options;
import io.tachyon.RpcClient;
import io.tachyon.RpcReply;
import io.tachyon.RpcServer;
import io.tachyon.RpcStatus;
import io.tachyon.RpcTyped;
import io.tachyon.generated.Pricing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The Java peer of the RPC matrix: serves Pricing with the generated PricingServer, or calls it with the
 * generated PricingClient (200 blocking calls, 32 pipelined, Ping, an unknown method).
 */
public final class Peer {
    private static final Duration T = Duration.ofSeconds(10);

    static final class Pricer implements Pricing.PricingServer {
        @Override
        public void quote(Pricing.QuoteRequest request, Pricing.QuoteReply reply) {
            reply.setPrice(request.qty() * 1.5 + request.symbol().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            reply.setQty(request.qty() + 1);
        }

        @Override
        public void ping() {}
    }

    static String symbolOf(int i) {
        return "SYM" + (i % 100);
    }

    static String check(Pricing.QuoteReply r, int i) {
        double want = i * 1.5 + symbolOf(i).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (r.price() == want && r.qty() == i + 1) {
            return null;
        }
        return "call " + i + ": price " + r.price() + " qty " + r.qty() + ", want " + want + " " + (i + 1);
    }

    static String call(String path) {
        try (var conn = RpcClient.connect(path, Options.defaults().withTimeout(Duration.ofSeconds(20)));
                Arena arena = Arena.ofConfined()) {
            var pricing = new Pricing.PricingClient(conn);
            var req = new Pricing.QuoteRequest(arena.allocate(Pricing.QuoteRequest.SIZE, 16));
            for (int i = 0; i < 200; i++) {
                req.clear();
                req.setSymbol(symbolOf(i));
                req.setQty(i);
                try (var r = pricing.quote(req, T)) {
                    String bad = check(r.view(), i);
                    if (bad != null) {
                        return bad;
                    }
                }
            }
            Map<Long, Integer> sent = new HashMap<>();
            for (int i = 0; i < 32; i++) {
                req.clear();
                req.setSymbol(symbolOf(i));
                req.setQty(i);
                sent.put(pricing.quoteSend(req, T), i);
            }
            while (!sent.isEmpty()) {
                try (var r = Pricing.PricingClient.quoteReply(conn.nextReply(T))) {
                    Integer i = sent.remove(r.callId());
                    if (i == null) {
                        return "reply to call " + Long.toUnsignedString(r.callId()) + ", which is not pending";
                    }
                    String bad = check(r.view(), i);
                    if (bad != null) {
                        return bad;
                    }
                }
            }
            pricing.ping(T);
            try (RpcReply r = conn.call(99, MemorySegment.NULL, 0, T)) {
                if (r.status() != RpcStatus.UNKNOWN_METHOD) {
                    return "method 99: status " + r.status() + ", want UNKNOWN_METHOD";
                }
            }
            return null;
        }
    }

    public static void main(String[] args) {
        if (args.length != 2 || !(args[0].equals("serve") || args[0].equals("call"))) {
            System.err.println("usage: Peer serve|call SOCKET");
            System.exit(2);
        }
        try {
            if (args[0].equals("serve")) {
                try (var conn = RpcServer.listen(args[1], 1 << 16, Options.defaults().withTimeout(Duration.ofSeconds(30)))) {
                    new Pricer().serve(conn, null);
                }
                System.exit(0);
            }
            String bad = call(args[1]);
            System.out.println(bad == null ? "ok" : bad);
            System.exit(bad == null ? 0 : 1);
        } catch (RuntimeException e) {
            System.out.println(e);
            System.exit(1);
        }
    }
}
