// RpcTests.cs - RpcClient and RpcServer over libtachyon, and the generated
// Pricing stubs (tests/rpc/golden/csharp): dispatch, handler errors, unknown
// methods, pipelined replies out of order, deadlines, the server's process
// killed with calls in flight, hostile replies.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using NUnit.Framework;
using Tachyon;

[TestFixture]
public unsafe class RpcTests
{
    static int serial;
    static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    static string NewPath(string tag)
    {
        return "@tachyon-cs-rpc-" + Process.GetCurrentProcess().Id + "-" + tag + "-" + Interlocked.Increment(ref serial);
    }

    // Method 10: a u64 in, the u64 plus one out; 0 is refused with code 7, 2989 throws.
    static readonly RpcMethod[] Methods = { new RpcMethod(10, 8, 8) };

    static void Increment(int index, byte* request, int requestSize, byte* reply, int replySize)
    {
        ulong v = *(ulong*)request;
        if (v == 0)
            throw RpcStatusException.App(7);
        if (v == 2989)
            throw new InvalidOperationException("unlucky");
        *(ulong*)reply = v + 1;
    }

    static byte[] U64(ulong v) { return BitConverter.GetBytes(v); }
    static ulong Read(RpcReply r) { return *(ulong*)r.Pointer; }

    // A server thread running `body` and a client connected to it; Join() gives what the server threw.
    sealed class Pair : IDisposable
    {
        public readonly RpcClient Client;
        readonly Thread thread;
        Exception failure;

        public Pair(Action<RpcServer> body)
        {
            string path = NewPath("pair");
            var ready = new ManualResetEventSlim();
            thread = new Thread(() =>
            {
                try
                {
                    ready.Set();
                    using (var s = RpcServer.Listen(path, 1 << 16, new Options { Timeout = T }))
                        body(s);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            thread.Start();
            ready.Wait();
            Client = RpcClient.Connect(path, new Options { Timeout = T });
        }

        public Exception Join()
        {
            Client.Dispose();
            thread.Join();
            return failure;
        }

        public void Dispose() { Join(); }
    }

    static T2 Throws<T2>(Action a) where T2 : Exception
    {
        try
        {
            a();
        }
        catch (T2 e)
        {
            return e;
        }
        Assert.Fail("no " + typeof(T2).Name);
        return null;
    }

    [Test]
    public void CallsDispatchAndAnswerErrorsUnknownMethodsAndBadSizes()
    {
        var p = new Pair(s => s.Serve(Methods, Increment));
        for (ulong v = 1; v <= 30; v++)
            using (RpcReply r = p.Client.Call(10, U64(v), 8, T))
            {
                Assert.AreEqual(RpcStatus.Ok, r.Status);
                Assert.AreEqual(v + 1, Read(r));
            }
        using (RpcReply r = p.Client.Call(10, U64(0), 8, T))
        {
            Assert.AreEqual(RpcStatus.AppError, r.Status);
            Assert.AreEqual(7u, r.AppCode);
        }
        using (RpcReply r = p.Client.Call(99, (byte[])null, 0, T))
            Assert.AreEqual(RpcStatus.UnknownMethod, r.Status);
        using (RpcReply r = p.Client.Call(10, new byte[3], 8, T))
            Assert.AreEqual(RpcStatus.BadRequest, r.Status);
        using (RpcReply r = p.Client.Call(10, U64(2989), 8, T))
            Assert.AreEqual(RpcStatusException.HandlerException, r.AppCode);
        Assert.IsInstanceOf<InvalidOperationException>(p.Join());
    }

    [Test]
    public void PipelinedRepliesComeInTheOrderTheServerAnswers()
    {
        const int n = 32;
        var p = new Pair(s =>
        {
            var held = new List<KeyValuePair<ulong, ulong>>();
            while (held.Count < n)
            {
                RpcRequest req = s.NextRequest(T);
                held.Add(new KeyValuePair<ulong, ulong>(req.CallId, *(ulong*)req.Pointer));
                s.Defer();
            }
            for (int k = n - 1; k >= 0; k--)
                s.ReplyTo(held[k].Key, 10, RpcStatus.Ok, 0, U64(held[k].Value * 10), T);
            Throws<TachyonException.PeerGone>(() => s.NextRequest(T));
        });
        var ids = new List<ulong>();
        for (int i = 0; i < n; i++)
            ids.Add(p.Client.Send(10, U64((ulong)i), 8, T));
        Assert.AreEqual(n, p.Client.Pending);
        for (int k = n - 1; k >= 0; k--)
            using (RpcReply r = p.Client.NextReply(T))
            {
                Assert.AreEqual(ids[k], r.CallId);
                Assert.AreEqual((ulong)k * 10, Read(r));
            }
        Assert.AreEqual(0, p.Client.Pending);
        Throws<TachyonException.State>(() => p.Client.NextReply(T));
        Assert.IsNull(p.Join());
    }

    [Test]
    public void DeadlinesExpire()
    {
        var p = new Pair(s =>
        {
            for (int i = 0; i < 2; i++)
            {
                s.NextRequest(T);
                s.Defer();
            }
            s.Serve(Methods, Increment);
        });
        Throws<TachyonException.Timeout>(() => p.Client.Call(10, U64(1), 8, TimeSpan.FromMilliseconds(30)));
        ulong id = p.Client.Send(10, U64(2), 8, TimeSpan.FromMilliseconds(30));
        var e = Throws<RpcCallException>(() => p.Client.NextReply(T));
        Assert.AreEqual(id, e.CallId);
        Assert.AreEqual(ErrorCode.Timeout, e.Code);
        using (RpcReply r = p.Client.Call(10, U64(3), 8, T))
            Assert.AreEqual(4ul, Read(r));
        Assert.IsNull(p.Join());
    }

    [Test]
    public void ServerKilledFailsEveryPendingCall()
    {
        string path = NewPath("killed");
        string helper = Path.Combine(AppDomain.CurrentDomain.BaseDirectory, "rpc-silent-server.exe");
        var child = Process.Start(new ProcessStartInfo("mono", "\"" + helper + "\" " + path) { UseShellExecute = false });
        try
        {
            using (var c = RpcClient.Connect(path, new Options { Timeout = TimeSpan.FromSeconds(30) }))
            {
                for (ulong i = 0; i < 5; i++)
                    c.Send(10, U64(i), 8); // no deadline: only the server's death ends them
                Assert.AreEqual(5, c.Pending);
                child.Kill(); // SIGKILL
                child.WaitForExit();
                // Not an RpcCallException: every pending call failed at once.
                Throws<TachyonException.PeerGone>(() => c.NextReply(TimeSpan.FromSeconds(30)));
                Assert.AreEqual(0, c.Pending);
                Throws<TachyonException.PeerGone>(() => c.Call(10, U64(1), 8, TimeSpan.FromSeconds(30)));
            }
        }
        finally
        {
            if (!child.HasExited)
                child.Kill();
        }
    }

    [Test]
    public void HostileRepliesAreErrorsNotCrashes()
    {
        var p = new Pair(s =>
        {
            var big = new byte[64];
            RpcRequest r = s.NextRequest(T); // a call id the client never issued
            s.Defer();
            s.ReplyTo(r.CallId + 256 * 7, 10, RpcStatus.Ok, 0, new byte[8], T);
            r = s.NextRequest(T); // larger than the call allows
            s.Defer();
            s.ReplyTo(r.CallId, 10, RpcStatus.Ok, 0, big, T);
            r = s.NextRequest(T); // a status that does not exist
            s.Defer();
            s.ReplyTo(r.CallId, 10, (RpcStatus)9, 0, null, T);
            r = s.NextRequest(T); // short for its type
            s.Defer();
            s.ReplyTo(r.CallId, 10, RpcStatus.Ok, 0, new byte[4], T);
            s.Serve(Methods, Increment);
        });
        Throws<TachyonException.Corrupt>(() => p.Client.Call(10, U64(1), 8, T));
        ulong id = p.Client.Send(10, U64(2), 8, T);
        var e = Throws<RpcCallException>(() => p.Client.NextReply(T));
        Assert.AreEqual(id, e.CallId);
        Assert.AreEqual(ErrorCode.TooLarge, e.Code);
        Throws<TachyonException.Corrupt>(() => p.Client.Call(10, U64(3), 8, T));
        Throws<TachyonException.Corrupt>(() => p.Client.Call(10, U64(4), 8, T).Expect(8));
        using (RpcReply r = p.Client.Call(10, U64(5), 8, T))
            Assert.AreEqual(6ul, Read(r));
        Assert.IsNull(p.Join());
    }

    sealed class Pricer : Pricing.PricingServer
    {
        public override void Quote(Pricing.QuoteRequest request, Pricing.QuoteReply reply)
        {
            if (request.Qty == 0)
                throw RpcStatusException.App(7);
            reply.Price = request.Qty * 1.5;
            reply.Qty = request.Qty;
        }

        public override void Ping() {}
    }

    [Test]
    public void GeneratedStubsCallTypedAndPipelined()
    {
        var p = new Pair(s => new Pricer().Serve(s));
        var pricing = new Pricing.PricingClient(p.Client);
        byte* buf = stackalloc byte[Pricing.QuoteRequest.Size];
        var req = new Pricing.QuoteRequest(buf, Pricing.QuoteRequest.Size);
        req.Clear();
        req.Symbol = "ETH";
        req.Qty = 8;
        Assert.AreEqual(12.0, pricing.Quote(req, r => r.Price, T));
        pricing.Ping(T);
        req.Qty = 0;
        Pricing.QuoteRequest zero = req;
        var e = Throws<RpcStatusException>(() => pricing.Quote(zero, r => r.Price, T));
        Assert.AreEqual(7u, e.AppCode);
        req.Qty = 4;
        ulong id = pricing.QuoteSend(req, T);
        RpcReply reply = p.Client.NextReply(T);
        Assert.AreEqual(id, reply.CallId);
        Assert.AreEqual(4u, Pricing.PricingClient.ReadQuote(reply, r => r.Qty));
        ulong inPlace = p.Client.SendInPlace(Pricing.PricingMethods.Quote, Pricing.QuoteRequest.Size,
                                             Pricing.QuoteReply.Size,
                                             (body, size) => new Pricing.QuoteRequest(body, size).Qty = 2);
        RpcReply r2 = p.Client.NextReply(T);
        Assert.AreEqual(inPlace, r2.CallId);
        Assert.AreEqual(3.0, Pricing.PricingClient.ReadQuote(r2, r => r.Price));
        Assert.IsNull(p.Join());
    }

    [Test]
    public void ServeEndsWithInterrupted()
    {
        RpcServer server = null;
        Exception caught = null;
        var done = new ManualResetEventSlim();
        var closeAllowed = new ManualResetEventSlim();
        var p = new Pair(s =>
        {
            server = s;
            try
            {
                s.Serve(Methods, Increment);
            }
            catch (Exception e)
            {
                caught = e;
            }
            done.Set();
            closeAllowed.Wait(); // Interrupt must not race the close
        });
        using (RpcReply r = p.Client.Call(10, U64(1), 8, T)) // the server is serving
            Assert.AreEqual(2ul, Read(r));
        // Repeated: an interrupt that lands before Serve waits is not kept.
        for (int i = 0; i < 3000 && !done.IsSet; i++)
        {
            server.Interrupt();
            done.Wait(10);
        }
        closeAllowed.Set();
        Assert.IsInstanceOf<TachyonException.Interrupted>(caught);
        Assert.IsNull(p.Join());
    }
}
