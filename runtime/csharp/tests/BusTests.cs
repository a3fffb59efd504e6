// BusTests.cs - the C# binding over libtachyon: errors against tachyon.h's table,
// guards committing and rolling back in using blocks, batches, timeouts, and a
// listener and a connector in two threads over a real handshake.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading;
using NUnit.Framework;
using Tachyon;

// A formatted arena in 64-byte aligned unmanaged memory: both sides of a ring in one process.
unsafe sealed class Arena : IDisposable
{
    private readonly IntPtr raw;
    public readonly byte* Mem;
    public readonly long Size;

    public Arena(long capacity)
    {
        Size = Bus.ArenaSize(capacity);
        raw = Marshal.AllocHGlobal((IntPtr)(Size + 64));
        Mem = (byte*)(((long)raw + 63) & ~63L);
        Bus.FormatArena(Mem, Size, capacity);
    }

    public Bus Attach(Role role) { return Bus.Attach(Mem, Size, role); }

    public void Dispose() { Marshal.FreeHGlobal(raw); }
}

[TestFixture]
public class ErrorTests
{
    // Every row of TACHYON_ERROR_LIST in tachyon.h: a code added there fails this test
    // until ErrorCode and TachyonException have it.
    [Test]
    public void EveryRowOfTheCTableHasACodeAndAnExceptionClass()
    {
        string header = File.ReadAllText(Environment.GetEnvironmentVariable("TACHYON_H"));
        var rows = Regex.Matches(header, "X\\((TACHYON_\\w+), (\\d+), (\\w+), \"([^\"]*)\"\\)");
        Assert.Greater(rows.Count, 20);
        var classes = typeof(TachyonException).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(TachyonException)))
            .ToDictionary(t => t.Name);
        foreach (Match row in rows)
        {
            string shortName = row.Groups[3].Value;
            int number = int.Parse(row.Groups[2].Value);
            ErrorCode code;
            Assert.IsTrue(Enum.TryParse(shortName, out code), "ErrorCode lacks " + shortName);
            Assert.AreEqual(number, (int)code, shortName);
            Assert.AreEqual(row.Groups[4].Value, TachyonException.Describe(code));
            Assert.AreEqual(shortName, TachyonException.NameOf(code));
            if (code == ErrorCode.Ok)
                continue;
            Assert.IsTrue(classes.ContainsKey(shortName), "no TachyonException." + shortName);
            TachyonException e = TachyonException.Create(code, "call");
            Assert.AreEqual(classes[shortName], e.GetType());
            Assert.AreEqual(code, e.Code);
            StringAssert.StartsWith("call: " + row.Groups[4].Value, e.Message);
        }
        Assert.AreEqual(rows.Count - 1, classes.Count, "a class for a code the table does not have");
        Assert.AreEqual(rows.Count, Enum.GetValues(typeof(ErrorCode)).Length);
    }

    [Test]
    public void ConnectWithoutListener()
    {
        var e = Assert.Throws<TachyonException.NoListener>(() =>
            Bus.Connect(Paths.Unique("nolistener"), new Options { Timeout = TimeSpan.FromMilliseconds(100) }));
        StringAssert.Contains("tachyon_bus_connect", e.Message);
    }

    [Test]
    public void PathTooLong()
    {
        Assert.Throws<TachyonException.PathTooLong>(() => Bus.Listen("/tmp/" + new string('x', 200), 4096));
    }

    [Test]
    public unsafe void TooLargeCarriesItsSizes()
    {
        using (var arena = new Arena(1024))
        using (Bus producer = arena.Attach(Role.Producer))
        {
            int want = producer.MaxMessageSize + 1;
            var e = Assert.Throws<TachyonException.TooLarge>(() => producer.AcquireTx(want));
            Assert.AreEqual((ulong)want, e.Detail.Size);
            Assert.AreEqual((ulong)producer.MaxMessageSize, e.Detail.Limit);
            StringAssert.Contains(want.ToString(), e.Message);
        }
    }
}

static class Paths
{
    static int n;

    public static string Unique(string tag)
    {
        return "@tachyon-cs-test-" + System.Diagnostics.Process.GetCurrentProcess().Id + "-" + tag + "-" +
               Interlocked.Increment(ref n);
    }
}

[TestFixture]
public class ArenaTests
{
    Arena arena;
    Bus consumer, producer;

    [SetUp]
    public void SetUp()
    {
        arena = new Arena(4096);
        consumer = arena.Attach(Role.Consumer);
        producer = arena.Attach(Role.Producer);
    }

    [TearDown]
    public void TearDown()
    {
        producer.Dispose();
        consumer.Dispose();
        arena.Dispose();
    }

    [Test]
    public unsafe void CommitThenReceive()
    {
        Assert.AreEqual(Role.Producer, producer.Role);
        Assert.AreEqual(4096, consumer.Capacity);
        using (TxGuard tx = producer.AcquireTx(64))
        {
            Assert.AreEqual(64, tx.Bytes.Length);
            Assert.AreEqual(0, (long)tx.Pointer % 16);
            tx.Bytes.Fill(0x5a);
            tx.Commit(10, 7);
            Assert.IsFalse(tx.Active);
        }
        producer.Flush();
        using (RxGuard m = consumer.Receive(TimeSpan.FromSeconds(1)))
        {
            Assert.AreEqual(7u, m.TypeId);
            Assert.AreEqual(10, m.Size);
            Assert.IsTrue(m.Bytes.ToArray().All(b => b == 0x5a));
        }
    }

    [Test]
    public void GuardRollsBackUnlessCommitted()
    {
        using (TxGuard tx = producer.AcquireTx(32))
            tx.Bytes.Fill(1);
        producer.Send(BitConverter.GetBytes(42), 3);
        producer.Flush();
        RxGuard m;
        Assert.IsTrue(consumer.TryReceive(out m));
        using (m)
        {
            Assert.AreEqual(3u, m.TypeId);
            Assert.AreEqual(42, BitConverter.ToInt32(m.Bytes.ToArray(), 0));
        }
        Assert.IsFalse(consumer.TryReceive(out m), "the rolled-back slot was delivered");
    }

    [Test]
    public void ExplicitRollbackThenCommitIsAnError()
    {
        TxGuard tx = producer.AcquireTx(16);
        tx.Rollback();
        Assert.Throws<TachyonException.State>(() => tx.Commit(1));
        Assert.Throws<TachyonException.State>(() => tx.Rollback());
    }

    [Test]
    public void DisposedRxGuardReleasesRoom()
    {
        var payload = new byte[producer.MaxMessageSize];
        int sent = 0;
        while (producer.TrySend(payload, 1))
            Assert.Less(++sent, 64);
        Assert.GreaterOrEqual(sent, 1);
        TxGuard none;
        Assert.IsFalse(producer.TryAcquireTx(payload.Length, out none));
        Assert.Throws<TachyonException.Timeout>(() => producer.AcquireTx(payload.Length, TimeSpan.FromMilliseconds(5)));
        producer.Flush();
        for (int i = 0; i < sent; i++)
            using (RxGuard m = consumer.Receive(TimeSpan.FromSeconds(1)))
                Assert.AreEqual(payload.Length, m.Size);
        Assert.IsTrue(producer.TrySend(payload, 2), "the released messages did not free their room");
    }

    [Test]
    public void RxGuardCommitOnce()
    {
        producer.Send(new byte[] { 1 }, 1);
        producer.Flush();
        RxGuard m = consumer.Receive();
        m.Commit();
        Assert.Throws<TachyonException.State>(() => m.Commit());
    }

    [Test]
    public void WrongRole()
    {
        Assert.Throws<TachyonException.State>(() => consumer.Flush());
        RxGuard m;
        Assert.Throws<TachyonException.State>(() => producer.TryReceive(out m));
    }

    [Test]
    public void ReceiveTimesOut()
    {
        long t0 = Clock.NowNs();
        Assert.Throws<TachyonException.Timeout>(() => consumer.Receive(TimeSpan.FromMilliseconds(20), 0));
        Assert.GreaterOrEqual(Clock.NowNs() - t0, 20000000L);
        Assert.Throws<TachyonException.Timeout>(() => consumer.ReceiveUntil(Clock.NowNs() + 5000000, 0));
        Assert.Throws<TachyonException.Timeout>(() => consumer.DrainBatch(8, TimeSpan.FromMilliseconds(5), 0));
    }

    [Test]
    public void DrainBatchEnumerates()
    {
        using (Batch none = consumer.DrainBatch(8))
            Assert.AreEqual(0, none.Count);
        for (int i = 0; i < 10; i++)
            producer.Send(BitConverter.GetBytes(i * 3), (uint)(100 + i));
        producer.Flush();
        int next = 0;
        while (next < 10)
        {
            using (Batch batch = consumer.DrainBatch(4))
            {
                Assert.Greater(batch.Count, 0);
                Assert.LessOrEqual(batch.Count, 4);
                foreach (Message m in batch)
                {
                    Assert.AreEqual((uint)(100 + next), m.TypeId);
                    Assert.AreEqual(next * 3, BitConverter.ToInt32(m.ToArray(), 0));
                    next++;
                }
                Assert.AreEqual(batch[0].TypeId, batch.First().TypeId);
            }
        }
        Batch b = consumer.DrainBatch(8);
        b.Commit();
        Assert.Throws<TachyonException.State>(() => b.Commit());
    }

    // Interrupt() from another thread ends a blocking Receive and a foreach over Messages(),
    // each with TachyonException.Interrupted; the bus keeps working afterwards.
    [Test]
    public void InterruptCancelsAWaitFromAnotherThread()
    {
        for (int round = 0; round < 2; round++)
        {
            bool done = false;
            var canceller = new Thread(() =>
            {
                while (!Volatile.Read(ref done))
                {
                    Thread.Sleep(10);
                    consumer.Interrupt();
                }
            });
            canceller.Start();
            if (round == 0)
                Assert.Throws<TachyonException.Interrupted>(() => consumer.Receive(TimeSpan.FromSeconds(10), 0));
            else
                Assert.Throws<TachyonException.Interrupted>(() => { foreach (RxGuard m in consumer.Messages(0)) { } });
            Volatile.Write(ref done, true);
            canceller.Join();
        }
        producer.Send(new byte[] { 5 }, 2);
        producer.Flush();
        for (int tries = 0; ; tries++)
        {
            try
            {
                using (RxGuard m = consumer.Receive(TimeSpan.FromSeconds(1)))
                    Assert.AreEqual(5, m.Bytes[0]);
                break;
            }
            catch (TachyonException.Interrupted)
            {
                Assert.Less(tries, 2, "more interrupts than were requested"); // one may still be armed
            }
        }
    }

    [Test]
    public void DisposedBusThrows()
    {
        producer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => producer.Flush());
    }
}

[TestFixture]
public class ProcessTests
{
    // A producer thread over a real handshake; a foreach consumer sees every message in
    // order and ends when the producer disposes its bus.
    [Test]
    public unsafe void ListenConnectForeachEndsWhenProducerCloses()
    {
        string path = Paths.Unique("foreach");
        const int n = 20000;
        Exception failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (Bus bus = Bus.Connect(path, new Options { SchemaFingerprint = 0x1234 }))
                {
                    for (int i = 0; i < n; i++)
                    {
                        using (TxGuard tx = bus.AcquireTx(4, TimeSpan.FromSeconds(5)))
                        {
                            *(int*)tx.Pointer = i;
                            tx.Commit((uint)(i % 7));
                        }
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        int next = 0;
        using (Bus consumer = Bus.Listen(path, 1 << 12, new Options { SchemaFingerprint = 0x1234, Timeout = TimeSpan.FromSeconds(10) }))
        {
            Assert.AreEqual(0x1234UL, consumer.SchemaFingerprint);
            foreach (RxGuard m in consumer.Messages())
            {
                Assert.AreEqual(next, *(int*)m.Pointer);
                Assert.AreEqual((uint)(next % 7), m.TypeId);
                next++;
            }
            thread.Join();
            Assert.IsNull(failure);
            Assert.AreEqual(n, next);
            Assert.Throws<TachyonException.PeerGone>(() => consumer.Receive(TimeSpan.FromSeconds(1)));
            Assert.AreEqual((ulong)n, consumer.Stats.Messages);
        }
    }

    [Test]
    public void SchemaMismatchIsRefusedOnBothSides()
    {
        string path = Paths.Unique("schema");
        Exception producerError = null;
        var thread = new Thread(() =>
        {
            try
            {
                Bus.Connect(path, new Options { SchemaFingerprint = 2 }).Dispose();
            }
            catch (Exception e)
            {
                producerError = e;
            }
        });
        thread.Start();
        Assert.Throws<TachyonException.SchemaMismatch>(() =>
            Bus.Listen(path, 4096, new Options { SchemaFingerprint = 1, Timeout = TimeSpan.FromSeconds(10) }));
        thread.Join();
        Assert.IsInstanceOf<TachyonException.SchemaMismatch>(producerError);
    }

    [Test]
    public void ListenTimesOut()
    {
        Assert.Throws<TachyonException.Timeout>(() =>
            Bus.Listen(Paths.Unique("lonely"), 4096, new Options { Timeout = TimeSpan.FromMilliseconds(30) }));
    }
}
