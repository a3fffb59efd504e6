// Peer.cs - what the C# producer and consumer share: the command line, the
// deterministic streams every language generates and checks (see
// examples/peers/README.md) and clocks. Message layouts come from the code tachc
// generated in generated/csharp/{market,frames}.cs; nothing here knows an offset.
using System;
using System.Text;

namespace Peers
{
    public enum Stream { Market, Frames }

    public sealed class Args
    {
        public const int ExitOk = 0, ExitFail = 1, ExitUsage = 2, ExitSchema = 3;

        public string Socket;
        public Stream Stream = Stream.Market;
        public bool ClockStamps;
        public ulong Count = 100000;
        public long Capacity = 1L << 22;
        public bool Quiet;

        // Parses the shared command line; exits with ExitUsage on a bad one.
        public static Args Parse(string[] argv, bool consumer)
        {
            var a = new Args();
            bool ok = true;
            for (int i = 0; i < argv.Length && ok; i++)
            {
                string opt = argv[i];
                if (opt == "--quiet")
                {
                    a.Quiet = true;
                    continue;
                }
                if (i + 1 >= argv.Length)
                {
                    ok = false;
                    break;
                }
                string val = argv[++i];
                if (opt == "--socket")
                    a.Socket = val;
                else if (opt == "--stream" && (val == "market" || val == "frames"))
                    a.Stream = val == "market" ? Stream.Market : Stream.Frames;
                else if (opt == "--stamp" && (val == "index" || val == "clock"))
                    a.ClockStamps = val == "clock";
                else if (opt == "--count")
                    ok = ulong.TryParse(val, out a.Count);
                else if (opt == "--capacity" && consumer)
                    ok = long.TryParse(val, out a.Capacity);
                else
                    ok = false;
            }
            if (!ok || a.Socket == null)
            {
                Console.Error.WriteLine("usage: " + (consumer ? "consumer" : "producer") +
                                        " --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]" +
                                        (consumer ? " [--capacity BYTES]" : "") + " [--quiet]");
                Environment.Exit(ExitUsage);
            }
            return a;
        }
    }

    // The deterministic streams (the same formulas in every language).
    public static class Streams
    {
        public static readonly string[] Symbols = { "BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRP" };
        public static readonly byte[][] SymbolBytes = {
            Pad("BTCUSDT"), Pad("ETHUSDT"), Pad("SOLUSDT"), Pad("DOGEUSDT"), Pad("XRP")
        };
        const ulong BaseNs = 1700000000000000000UL;

        static byte[] Pad(string s)
        {
            var b = new byte[Market.MarketTick.SymbolSize];
            Encoding.ASCII.GetBytes(s, 0, s.Length, b, 0);
            return b;
        }

        public static uint TickType(ulong i) { return i % 3 == 2 ? Market.Schema.MsgAsk : Market.Schema.MsgBid; }
        public static double TickPrice(ulong i) { return 1000.0 + (i % 1000003) * 0.25; }
        public static uint TickQuantity(ulong i) { return unchecked((uint)(i * 2654435761UL)); }
        public static ulong TickTimestamp(ulong i) { return BaseNs + i * 1000; }
        public static float FrameSample(ulong i, int k) { return (float)((i % 65536) * 256 + (ulong)k); }

        // CLOCK_REALTIME in ns, as the other languages stamp.
        public static ulong RealtimeNs()
        {
            return (ulong)(DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).Ticks * 100;
        }
    }
}
