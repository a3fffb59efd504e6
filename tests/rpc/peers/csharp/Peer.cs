// The C# peer of the RPC matrix: serves Pricing with the generated PricingServer, or calls it with the
// generated PricingClient (200 blocking calls, 32 pipelined, Ping, an unknown method).
using System;
using System.Collections.Generic;
using Pricing;
using Tachyon;

public static unsafe class Peer
{
    static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    sealed class Pricer : PricingServer
    {
        public override void Quote(QuoteRequest request, QuoteReply reply)
        {
            reply.Price = request.Qty * 1.5 + System.Text.Encoding.UTF8.GetByteCount(request.Symbol);
            reply.Qty = request.Qty + 1;
        }

        public override void Ping() {}
    }

    static string SymbolOf(int i) { return "SYM" + (i % 100); }

    static string Check(QuoteReply r, int i)
    {
        double want = i * 1.5 + System.Text.Encoding.UTF8.GetByteCount(SymbolOf(i));
        if (r.Price == want && r.Qty == (uint)(i + 1))
            return null;
        return "call " + i + ": price " + r.Price + " qty " + r.Qty + ", want " + want + " " + (i + 1);
    }

    static string Call(string path)
    {
        using (var conn = RpcClient.Connect(path, new Options { Timeout = TimeSpan.FromSeconds(20) }))
        {
            var pricing = new PricingClient(conn);
            byte* buf = stackalloc byte[QuoteRequest.Size];
            var req = new QuoteRequest(buf, QuoteRequest.Size);
            for (int i = 0; i < 200; i++)
            {
                req.Clear();
                req.Symbol = SymbolOf(i);
                req.Qty = (uint)i;
                int n = i;
                string bad = pricing.Quote(req, r => Check(r, n), T);
                if (bad != null)
                    return bad;
            }
            var sent = new Dictionary<ulong, int>();
            for (int i = 0; i < 32; i++)
            {
                req.Clear();
                req.Symbol = SymbolOf(i);
                req.Qty = (uint)i;
                sent[pricing.QuoteSend(req, T)] = i;
            }
            while (sent.Count > 0)
            {
                RpcReply reply = conn.NextReply(T);
                int i;
                if (!sent.TryGetValue(reply.CallId, out i))
                {
                    reply.Dispose();
                    return "reply to call " + reply.CallId + ", which is not pending";
                }
                sent.Remove(reply.CallId);
                string bad = PricingClient.ReadQuote(reply, r => Check(r, i));
                if (bad != null)
                    return bad;
            }
            pricing.Ping(T);
            using (RpcReply r = conn.Call(99, (byte[])null, 0, T))
                if (r.Status != RpcStatus.UnknownMethod)
                    return "method 99: status " + r.Status + ", want UnknownMethod";
            return null;
        }
    }

    public static int Main(string[] args)
    {
        if (args.Length != 2 || (args[0] != "serve" && args[0] != "call"))
        {
            Console.Error.WriteLine("usage: peer.exe serve|call SOCKET");
            return 2;
        }
        try
        {
            if (args[0] == "serve")
            {
                using (var conn = RpcServer.Listen(args[1], 1 << 16, new Options { Timeout = TimeSpan.FromSeconds(30) }))
                    new Pricer().Serve(conn);
                return 0;
            }
            string bad = Call(args[1]);
            Console.WriteLine(bad ?? "ok");
            return bad == null ? 0 : 1;
        }
        catch (Exception e)
        {
            Console.WriteLine(e.Message);
            return 1;
        }
    }
}
