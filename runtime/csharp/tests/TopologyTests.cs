// TopologyTests.cs - fan-out, fan-in and wait-sets: in this process, and against
// the C peer of tests/topology/peer.c (compiled here from the runtime's sources)
// in both directions. Messages carry (tag, sequence) as two little-endian u64s
// with type id 7, as the C peer expects.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using NUnit.Framework;
using Tachyon;

[TestFixture]
public unsafe class TopologyTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static int serial;
    private static string peer;

    private static string Name(string tag)
    {
        return "@tachyon-cs-topo-" + Process.GetCurrentProcess().Id + "-" + tag + "-" + Interlocked.Increment(ref serial);
    }

    // The C peer, compiled once per run from the runtime's sources (no library path needed).
    private static string Peer()
    {
        if (peer != null)
            return peer;
        string dir = Path.Combine(Path.GetTempPath(), "tachyon-cs-topo-" + Process.GetCurrentProcess().Id);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (s, e) => Directory.Delete(dir, true);
        string exe = Path.Combine(dir, "peer");
        string rt = Path.GetFullPath("runtime");
        var args = new List<string> { "-std=gnu11", "-D_GNU_SOURCE", "-O1", "-pthread", "-Wall", "-Wextra", "-Werror",
            "-I", rt + "/include", "-I", rt + "/src", Path.GetFullPath("tests/topology/peer.c") };
        args.AddRange(Directory.GetFiles(rt + "/src", "*.c").OrderBy(f => f));
        args.Add("-o");
        args.Add(exe);
        var cc = Process.Start(new ProcessStartInfo("cc", string.Join(" ", args))
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        });
        string err = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        Assert.AreEqual(0, cc.ExitCode, "cc tests/topology/peer.c failed: " + err);
        peer = exe;
        return exe;
    }

    private static Process StartPeer(params string[] args)
    {
        return Process.Start(new ProcessStartInfo(Peer(), string.Join(" ", args))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        });
    }

    private static string Finish(Process p)
    {
        Assert.IsTrue(p.WaitForExit(20000), "peer did not finish");
        string last = p.StandardOutput.ReadLine();
        Assert.AreEqual(0, p.ExitCode, "peer failed, last line " + last);
        return last;
    }

    private static byte[] Msg(ulong tag, ulong seq)
    {
        var b = new byte[16];
        BitConverter.GetBytes(tag).CopyTo(b, 0);
        BitConverter.GetBytes(seq).CopyTo(b, 8);
        return b;
    }

    private static ulong SeqOf(HeldMessage m)
    {
        Assert.AreEqual(7u, m.TypeId);
        Assert.AreEqual(16, m.Size);
        return *(ulong*)(m.Pointer + 8);
    }

    private static ulong TagOf(HeldMessage m) { return *(ulong*)m.Pointer; }

    private static List<ulong> ReadAll(Subscriber sub)
    {
        var seqs = new List<ulong>();
        foreach (HeldMessage m in sub.Messages())
            seqs.Add(SeqOf(m));
        return seqs;
    }

    private static void AssertRun(List<ulong> seqs, ulong from, int count)
    {
        Assert.AreEqual(count, seqs.Count, "messages read");
        for (int i = 0; i < count; i++)
            Assert.AreEqual(from + (ulong)i, seqs[i], "message " + i);
    }

    [Test]
    public void EverySubscriberReadsEveryMessageInOrder()
    {
        string path = Name("order");
        using (var pub = FanOut.Listen(path, 1 << 14, LagPolicy.Block))
        {
            var subs = Enumerable.Range(0, 3).Select(i => Subscriber.Connect(path)).ToList();
            Assert.AreEqual(3, pub.Subscribers);
            var results = new List<ulong>[3];
            var threads = subs.Select((s, i) => new Thread(() => { results[i] = ReadAll(s); })).ToList();
            threads.ForEach(t => t.Start());
            for (ulong seq = 0; seq < 3000; seq++)
            {
                if (seq % 2 == 0)
                {
                    pub.Send(Msg(1, seq), 7, Long);
                }
                else
                {
                    using (FanOutTx tx = pub.AcquireTx(16, Long))
                    {
                        Msg(1, seq).CopyTo(tx.Bytes);
                        tx.Commit(16, 7);
                    }
                }
            }
            pub.Dispose();
            foreach (Thread t in threads)
                Assert.IsTrue(t.Join(30000));
            foreach (List<ulong> r in results)
                AssertRun(r, 0, 3000);
            subs.ForEach(s => s.Dispose());
        }
    }

    [Test]
    public void LateJoinersStartAtTheNewestOrTheOldest()
    {
        string path = Name("late");
        using (var pub = FanOut.Listen(path, 1 << 16, LagPolicy.Drop))
        {
            for (ulong seq = 0; seq < 10; seq++)
                Assert.IsTrue(pub.TrySend(Msg(1, seq), 7));
            using (var newest = Subscriber.Connect(path, Join.Newest))
            using (var oldest = Subscriber.Connect(path, Join.Oldest))
            {
                HeldMessage m;
                Assert.IsFalse(newest.TryReceive(out m));
                pub.TrySend(Msg(1, 10), 7);
                using (m = newest.Receive(Long))
                    Assert.AreEqual(10ul, SeqOf(m));
                for (ulong seq = 0; seq <= 10; seq++)
                    using (m = oldest.Receive(Long))
                        Assert.AreEqual(seq, SeqOf(m));
                Assert.IsFalse(oldest.TryReceive(out m));
            }
        }
    }

    [Test]
    public void ASlowSubscriberUnderBlockHoldsTheProducerBack()
    {
        string path = Name("block");
        using (var pub = FanOut.Listen(path, 4096, LagPolicy.Block))
        using (var slow = Subscriber.Connect(path))
        {
            ulong sent = 0;
            while (pub.TrySend(Msg(1, sent), 7))
                Assert.Less(++sent, 4096ul, "the producer never blocked");
            Assert.Throws<TachyonException.Timeout>(() => pub.Send(Msg(1, sent), 7, TimeSpan.FromMilliseconds(60)));
            using (HeldMessage m = slow.Receive(Long))
                Assert.AreEqual(0ul, SeqOf(m));
            pub.Send(Msg(1, sent), 7, Long);
            for (ulong seq = 1; seq <= sent; seq++)
                using (HeldMessage m = slow.Receive(Long))
                    Assert.AreEqual(seq, SeqOf(m));
        }
    }

    [Test]
    public void ASlowSubscriberUnderDropGetsLaggedAndRejoins()
    {
        string path = Name("drop");
        using (var pub = FanOut.Listen(path, 4096, LagPolicy.Drop))
        using (var slow = Subscriber.Connect(path))
        using (var fast = Subscriber.Connect(path))
        {
            pub.TrySend(Msg(1, 0), 7);
            HeldMessage held = slow.Receive(Long);
            Assert.AreEqual(0ul, SeqOf(held));
            ulong seq = 0;
            for (; seq < 1000; seq++)
            {
                if (seq > 0)
                    Assert.IsTrue(pub.TrySend(Msg(1, seq), 7), "Drop never makes the producer wait");
                using (HeldMessage m = fast.Receive(Long))
                    Assert.AreEqual(seq, SeqOf(m));
            }
            Assert.AreEqual(1, pub.Subscribers);
            Assert.Throws<TachyonException.Lagged>(() => held.Commit());
            HeldMessage none;
            Assert.Throws<TachyonException.Lagged>(() => slow.TryReceive(out none));
            slow.Rejoin(Join.Newest);
            Assert.AreEqual(2, pub.Subscribers);
            pub.TrySend(Msg(1, seq), 7);
            using (HeldMessage m = slow.Receive(Long))
                Assert.AreEqual(seq, SeqOf(m));
        }
    }

    [Test]
    public void InterruptEndsAWaitingReceive()
    {
        string path = Name("interrupt");
        using (var pub = FanOut.Listen(path, 4096, LagPolicy.Block))
        using (var sub = Subscriber.Connect(path))
        {
            var canceller = new Thread(() => { Thread.Sleep(50); sub.Interrupt(); });
            canceller.Start();
            Assert.Throws<TachyonException.Interrupted>(() => sub.Receive(Long));
            canceller.Join();
            pub.TrySend(Msg(1, 3), 7);
            using (HeldMessage m = sub.Receive(Long))
                Assert.AreEqual(3ul, SeqOf(m));
        }
    }

    [Test]
    public void AKilledSubscriberStopsHoldingTheProducerBack()
    {
        string path = Name("kill-sub");
        using (var pub = FanOut.Listen(path, 4096, LagPolicy.Block))
        {
            Process p = StartPeer("sub", path, "1000000");
            Assert.AreEqual("joined", p.StandardOutput.ReadLine());
            p.Kill();
            p.WaitForExit();
            for (ulong seq = 0; seq < 2000; seq++)
                pub.Send(Msg(1, seq), 7, TimeSpan.FromSeconds(2));
            Assert.AreEqual(0, pub.Subscribers);
        }
    }

    [Test]
    public void FanInDeliversEveryProducerInOrderWithItsSender()
    {
        string path = Name("fanin");
        using (var fi = FanIn.Listen(path, 4096))
        {
            var producers = Enumerable.Range(0, 3).Select(i => new Thread(() =>
            {
                using (Bus bus = Bus.Connect(path, new Options { Timeout = Long }))
                    for (ulong seq = 0; seq < 2000; seq++)
                        bus.Send(Msg(50 + (ulong)i, seq), 7);
            })).ToList();
            producers.ForEach(t => t.Start());
            var next = new Dictionary<ulong, ulong>();
            var idOf = new Dictionary<ulong, ulong>();
            for (int n = 0; n < 6000; n++)
            {
                using (HeldMessage m = fi.Receive(Long))
                {
                    ulong tag = TagOf(m), want;
                    next.TryGetValue(tag, out want);
                    Assert.AreEqual(want, SeqOf(m), "producer " + tag);
                    next[tag] = want + 1;
                    Assert.AreEqual((uint)Process.GetCurrentProcess().Id, m.Sender.Pid);
                    if (!idOf.ContainsKey(tag))
                        idOf[tag] = m.Sender.Id;
                    Assert.AreEqual(idOf[tag], m.Sender.Id);
                }
            }
            producers.ForEach(t => Assert.IsTrue(t.Join(10000)));
            Assert.AreEqual(3, idOf.Values.Distinct().Count());
            HeldMessage none;
            Assert.IsFalse(fi.TryReceive(out none));
        }
    }

    [Test]
    public void AKilledProducersCommittedMessagesAreStillDelivered()
    {
        string path = Name("kill-prod");
        using (var fi = FanIn.Listen(path, 4096))
        {
            Process p = StartPeer("prod", path, "9", "1000000");
            var until = DateTime.UtcNow + Long;
            while (fi.Producers < 1)
            {
                Assert.Less(DateTime.UtcNow, until, "the producer never joined");
                Thread.Sleep(1);
            }
            Thread.Sleep(100);
            p.Kill();
            p.WaitForExit();
            ulong next = 0;
            for (;;)
            {
                HeldMessage m;
                try
                {
                    m = fi.Receive(TimeSpan.FromMilliseconds(500));
                }
                catch (TachyonException.Timeout)
                {
                    break;
                }
                using (m)
                {
                    Assert.AreEqual(9ul, TagOf(m));
                    Assert.AreEqual(next++, SeqOf(m));
                }
            }
            Assert.Greater(next, 10ul);
            Assert.AreEqual(0, fi.Producers);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int poll(ref PollFd fds, UIntPtr nfds, int timeoutMs);

    private static bool Readable(int fd, int ms)
    {
        var p = new PollFd { Fd = fd, Events = 1 };
        return poll(ref p, (UIntPtr)1u, ms) == 1 && (p.Revents & 1) != 0;
    }

    [Test]
    public void AWaitSetWakesForAnyKindOfMemberAndItsFdTurnsReadable()
    {
        string fo = Name("ws-fo"), fin = Name("ws-fi"), bp = Name("ws-bus");
        using (var pub = FanOut.Listen(fo, 4096, LagPolicy.Drop))
        using (var sub = Subscriber.Connect(fo))
        using (var fi = FanIn.Listen(fin, 4096))
        using (var into = Bus.Connect(fin, new Options { Timeout = Long }))
        {
            Bus consumer = null;
            var listener = new Thread(() => { consumer = Bus.Listen(bp, 4096); });
            listener.Start();
            using (var producer = Bus.Connect(bp, new Options { Timeout = Long }))
            {
                Assert.IsTrue(listener.Join(10000));
                using (consumer)
                using (var ws = WaitSet.Create())
                {
                    ws.Add(consumer, 1);
                    ws.Add(sub, 2);
                    ws.Add(fi, 3);
                    Assert.AreEqual(3, ws.Count);
                    Assert.AreEqual(0, ws.Wait(TimeSpan.FromMilliseconds(30)).Length);

                    pub.TrySend(Msg(1, 0), 7);
                    CollectionAssert.AreEqual(new ulong[] { 2 }, ws.Wait(Long));
                    HeldMessage m;
                    Assert.IsTrue(sub.TryReceive(out m));
                    m.Commit();

                    ulong[] later = null;
                    var waiter = new Thread(() => { later = ws.Wait(Long); });
                    waiter.Start();
                    Thread.Sleep(30);
                    into.Send(Msg(5, 0), 7);
                    into.Flush();
                    Assert.IsTrue(waiter.Join(10000));
                    CollectionAssert.AreEqual(new ulong[] { 3 }, later);
                    Assert.IsTrue(fi.TryReceive(out m));
                    Assert.AreEqual(5ul, TagOf(m));
                    m.Commit();

                    int fd = ws.Fd;
                    Assert.AreEqual(0, ws.Wait(TimeSpan.Zero).Length);
                    Assert.IsFalse(Readable(fd, 30));
                    producer.Send(Msg(2, 0), 7);
                    producer.Flush();
                    Assert.IsTrue(Readable(fd, 5000));
                    CollectionAssert.AreEqual(new ulong[] { 1 }, ws.Wait(TimeSpan.Zero));
                    RxGuard rx;
                    Assert.IsTrue(consumer.TryReceive(out rx));
                    rx.Commit();
                    Assert.AreEqual(0, ws.Wait(TimeSpan.Zero).Length);
                    Assert.IsFalse(Readable(fd, 30));

                    ws.Remove(1);
                    Assert.Throws<TachyonException.State>(() => ws.Remove(1));
                    Assert.AreEqual(2, ws.Count);
                }
            }
        }
    }

    [Test]
    public void BadArgumentsAreClearErrors()
    {
        Assert.Throws<TachyonException.Capacity>(() => FanOut.Listen(Name("cap"), 1000, LagPolicy.Drop));
        Assert.Throws<TachyonException.Capacity>(() => FanIn.Listen(Name("cap"), 1000));
        string path = Name("fp");
        using (var pub = FanOut.Listen(path, 4096, LagPolicy.Block, new Options { SchemaFingerprint = 0x1234 }))
        {
            Assert.Throws<TachyonException.SchemaMismatch>(
                () => Subscriber.Connect(path, Join.Newest, new Options { SchemaFingerprint = 0x4321 }));
            Assert.AreEqual(0, pub.Subscribers);
        }
        Assert.That(() => Subscriber.Connect(Name("none"), Join.Newest, new Options { Timeout = TimeSpan.FromMilliseconds(50) }),
            Throws.InstanceOf<TachyonException>());
        var closed = FanOut.Listen(Name("closed"), 4096, LagPolicy.Block);
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => closed.TrySend(Msg(1, 1), 7));
    }

    [Test]
    public void CPublisherToCSharpSubscribersAndBack()
    {
        string fromC = Name("c-pub");
        Process c = StartPeer("pub", fromC, "2", "4000");
        using (var a = Subscriber.Connect(fromC, Join.Newest, new Options { Timeout = Long }))
        using (var b = Subscriber.Connect(fromC, Join.Newest, new Options { Timeout = Long }))
        {
            List<ulong> ra = null;
            var t = new Thread(() => { ra = ReadAll(a); });
            t.Start();
            AssertRun(ReadAll(b), 0, 4000);
            Assert.IsTrue(t.Join(30000));
            AssertRun(ra, 0, 4000);
        }
        Assert.IsTrue(c.WaitForExit(20000));
        Assert.AreEqual(0, c.ExitCode);

        string toC = Name("cs-pub");
        var pub = FanOut.Listen(toC, 4096, LagPolicy.Block);
        try
        {
            Process s = StartPeer("sub", toC, "4000");
            Assert.AreEqual("joined", s.StandardOutput.ReadLine());
            for (ulong seq = 0; seq < 4000; seq++)
                pub.Send(Msg(1, seq), 7, Long);
            pub.Dispose();
            Assert.AreEqual("sub ok 4000", Finish(s));
        }
        finally
        {
            pub.Dispose();
        }
    }

    [Test]
    public void CProducersToACSharpFanInAndBack()
    {
        string toCs = Name("c-prod");
        using (var fi = FanIn.Listen(toCs, 4096))
        {
            var ps = new[] { StartPeer("prod", toCs, "60", "3000"), StartPeer("prod", toCs, "61", "3000") };
            var next = new Dictionary<ulong, ulong>();
            var pids = new Dictionary<ulong, uint>();
            for (int n = 0; n < 6000; n++)
            {
                using (HeldMessage m = fi.Receive(Long))
                {
                    ulong tag = TagOf(m), want;
                    next.TryGetValue(tag, out want);
                    Assert.AreEqual(want, SeqOf(m));
                    next[tag] = want + 1;
                    pids[tag] = m.Sender.Pid;
                }
            }
            foreach (Process p in ps)
            {
                Assert.IsTrue(p.WaitForExit(20000));
                Assert.AreEqual(0, p.ExitCode);
            }
            CollectionAssert.AreEquivalent(ps.Select(p => (uint)p.Id), pids.Values);
        }

        string toC = Name("c-fanin");
        Process c = StartPeer("fanin", toC, "2", "3000");
        Assert.AreEqual("listening", c.StandardOutput.ReadLine());
        var senders = new[] { 70ul, 71ul }.Select(tag => new Thread(() =>
        {
            using (Bus bus = Bus.Connect(toC, new Options { Timeout = Long }))
                for (ulong seq = 0; seq < 3000; seq++)
                    bus.Send(Msg(tag, seq), 7);
        })).ToList();
        senders.ForEach(t => t.Start());
        senders.ForEach(t => Assert.IsTrue(t.Join(20000)));
        Assert.AreEqual("fanin ok 2 3000", Finish(c));
    }
}
