// Consumer.cs - the C# consumer of the example streams: listens, takes every
// message with a foreach over the bus, decodes it by type id through the code
// tachc generated (generated/csharp/{market,frames}.cs), and checks it against the
// deterministic stream (type, every field, order, count) until End. Prints the
// rate and a checksum.
//
//   mono csharp_consumer.exe --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--capacity BYTES]
using System;
using System.Diagnostics;
using Tachyon;

namespace Peers
{
    public sealed unsafe class Consumer
    {
        sealed class Mismatch : Exception
        {
            public Mismatch(string what) : base(what) { }
        }

        ulong received, asks, checksum, lastStamp;
        readonly Args a;

        Consumer(Args a) { this.a = a; }

        void CheckTick(ulong i, uint type, Market.MarketTick t)
        {
            bool same = type == Streams.TickType(i) && t.Symbol == Streams.Symbols[i % 5] &&
                        t.Price == Streams.TickPrice(i) && t.Quantity == Streams.TickQuantity(i) &&
                        (a.ClockStamps || t.Timestamp == Streams.TickTimestamp(i));
            if (!same)
                throw new Mismatch(string.Format("tick {0} differs: got {1} {2} {3:F2} x {4} @ {5}, expected {6} {7} {8:F2} x {9} @ {10}",
                    i, Market.Schema.MessageName(type), t.Symbol, t.Price, t.Quantity, t.Timestamp,
                    Market.Schema.MessageName(Streams.TickType(i)), Streams.Symbols[i % 5], Streams.TickPrice(i),
                    Streams.TickQuantity(i), Streams.TickTimestamp(i)));
            if (a.ClockStamps)
            {
                if (t.Timestamp < lastStamp)
                    throw new Mismatch("tick " + i + ": clock stamp " + t.Timestamp + " after " + lastStamp);
                lastStamp = t.Timestamp;
            }
            if (type == Market.Schema.MsgAsk)
                asks++;
            checksum += t.Quantity + (ulong)(t.Price * 4.0);
        }

        void CheckFrame(ulong i, Frames.Frame f)
        {
            for (int k = 0; k < Frames.Frame.SamplesCount; k++)
            {
                float v = f.Samples(k);
                if (v != Streams.FrameSample(i, k))
                    throw new Mismatch("frame " + i + " sample " + k + " is " + v + ", expected " + Streams.FrameSample(i, k));
                checksum += (ulong)v;
            }
        }

        // Reads until End; returns the time from the first message to End.
        double Receive(Bus bus)
        {
            bool market = a.Stream == Stream.Market;
            Stopwatch clock = null;
            foreach (RxGuard m in bus.Messages())
            {
                if (clock == null)
                    clock = Stopwatch.StartNew();
                object view = market ? Market.Schema.Decode(m.TypeId, m.Pointer, m.Size)
                                     : Frames.Schema.Decode(m.TypeId, m.Pointer, m.Size);
                if (view == null)
                {
                    if (m.Size != 0)
                        throw new Mismatch("End with a payload of " + m.Size + " bytes");
                    return clock.Elapsed.TotalSeconds;
                }
                if (view is Market.MarketTick tick)
                    CheckTick(received, m.TypeId, tick);
                else if (view is Frames.Frame frame && m.TypeId == Frames.Schema.MsgFrame)
                    CheckFrame(received, frame);
                else
                    throw new Mismatch("message " + received + ": type " + m.TypeId + " with " + m.Size +
                                       " bytes is not a " + (market ? "tick" : "Frame"));
                if (++received > a.Count)
                    throw new Mismatch("more than the " + a.Count + " messages expected");
            }
            throw new Mismatch("after " + received + " messages, before End: the producer is gone");
        }

        public static int Main(string[] argv)
        {
            Args a = Args.Parse(argv, true);
            bool market = a.Stream == Stream.Market;
            var c = new Consumer(a);
            Bus bus;
            try
            {
                // a producer that never comes is an error, not a hang
                bus = Bus.Listen(a.Socket, a.Capacity, new Options {
                    SchemaFingerprint = market ? Market.Schema.Fingerprint : Frames.Schema.Fingerprint,
                    Timeout = TimeSpan.FromSeconds(30)
                });
            }
            catch (TachyonException.SchemaMismatch e)
            {
                Console.Error.WriteLine("consumer: refused the producer: schema mismatch (" + e.Message + ")");
                return Args.ExitSchema;
            }
            catch (TachyonException e)
            {
                Console.Error.WriteLine("consumer: listen " + a.Socket + ": " + e.Message);
                return Args.ExitFail;
            }
            double secs;
            using (bus)
            {
                try
                {
                    secs = c.Receive(bus);
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine("consumer: " + e.Message);
                    return Args.ExitFail;
                }
            }
            if (c.received != a.Count)
            {
                Console.Error.WriteLine("consumer: End after {0} messages, expected {1}", c.received, a.Count);
                return Args.ExitFail;
            }
            if (!a.Quiet)
            {
                double rate = c.received / secs;
                if (market)
                    Console.WriteLine("consumer: {0} ticks ({1} bid, {2} ask) + End in {3:F3} s: {4:F2} M msg/s, checksum {5:x16}",
                                      c.received, c.received - c.asks, c.asks, secs, rate / 1e6, c.checksum);
                else
                    Console.WriteLine("consumer: {0} frames + End in {1:F3} s: {2:F0} frames/s, {3:F2} GB/s, checksum {4:x16}",
                                      c.received, secs, rate, rate * Frames.Frame.Size / 1e9, c.checksum);
                Console.WriteLine("consumer: OK, every field of every message checked");
            }
            return Args.ExitOk;
        }
    }
}
