// Producer.cs - the C# producer of the example streams: connects to a consumer
// (retrying until it listens), writes every message in place through the views
// tachc generated in generated/csharp/{market,frames}.cs, then sends End.
//
//   mono csharp_producer.exe --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]
using System;
using System.Diagnostics;
using System.Threading;
using Tachyon;

namespace Peers
{
    public static unsafe class Producer
    {
        static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

        // Connects, retrying while nobody listens yet; gives up after ten seconds.
        static Bus ConnectRetrying(string path, ulong fingerprint)
        {
            var clock = Stopwatch.StartNew();
            for (;;)
            {
                try
                {
                    return Bus.Connect(path, new Options { SchemaFingerprint = fingerprint });
                }
                catch (TachyonException.NoListener)
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(10))
                        throw;
                    Thread.Sleep(5);
                }
            }
        }

        static void SendMarket(Bus bus, Args a)
        {
            ulong asks = 0;
            for (ulong i = 0; i < a.Count; i++)
            {
                uint type = Streams.TickType(i);
                using (TxGuard tx = bus.AcquireTx(Market.MarketTick.Size, Wait))
                {
                    var tick = new Market.MarketTick(tx.Pointer, tx.Size);
                    tick.Clear(); // the padding travels as zeros
                    new ReadOnlySpan<byte>(Streams.SymbolBytes[i % 5]).CopyTo(tick.SymbolBytes);
                    tick.Price = Streams.TickPrice(i);
                    tick.Quantity = Streams.TickQuantity(i);
                    tick.Timestamp = a.ClockStamps ? Streams.RealtimeNs() : Streams.TickTimestamp(i);
                    tx.Commit(type);
                }
                if (type == Market.Schema.MsgAsk)
                    asks++;
            }
            bus.Send(new byte[0], Market.Schema.MsgEnd, Wait);
            if (!a.Quiet)
                Console.WriteLine("producer: sent {0} ticks ({1} bid, {2} ask) + End", a.Count, a.Count - asks, asks);
        }

        static void SendFrames(Bus bus, Args a)
        {
            for (ulong i = 0; i < a.Count; i++)
            {
                using (TxGuard tx = bus.AcquireTx(Frames.Frame.Size, Wait))
                {
                    var frame = new Frames.Frame(tx.Pointer, tx.Size);
                    for (int k = 0; k < Frames.Frame.SamplesCount; k++)
                        frame.SetSamples(k, Streams.FrameSample(i, k));
                    tx.Commit(Frames.Schema.MsgFrame);
                }
            }
            bus.Send(new byte[0], Frames.Schema.MsgEnd, Wait);
            if (!a.Quiet)
                Console.WriteLine("producer: sent {0} frames of {1} bytes + End", a.Count, Frames.Frame.Size);
        }

        public static int Main(string[] argv)
        {
            Args a = Args.Parse(argv, false);
            bool market = a.Stream == Stream.Market;
            Bus bus;
            try
            {
                bus = ConnectRetrying(a.Socket, market ? Market.Schema.Fingerprint : Frames.Schema.Fingerprint);
            }
            catch (TachyonException.SchemaMismatch e)
            {
                Console.Error.WriteLine("producer: refused at connect: schema mismatch (" + e.Message + ")");
                return Args.ExitSchema;
            }
            catch (TachyonException e)
            {
                Console.Error.WriteLine("producer: connect " + a.Socket + ": " + e.Message);
                return Args.ExitFail;
            }
            using (bus)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    if (market)
                        SendMarket(bus, a);
                    else
                        SendFrames(bus, a);
                    bus.Flush();
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine("producer: " + e.Message);
                    return Args.ExitFail;
                }
                double secs = clock.Elapsed.TotalSeconds;
                if (!a.Quiet)
                    Console.WriteLine("producer: {0:F3} s, {1:F2} M msg/s", secs, a.Count / secs / 1e6);
            }
            return Args.ExitOk;
        }
    }
}
