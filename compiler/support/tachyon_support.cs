// tachyon_support.cs - the support code of the C# files tachc generates
// (namespace Tachc): explicit little-endian loads and stores through byte
// pointers, char[N] text, and the exceptions of the views.
//
// tachc writes the lines between the tachc-support markers as Tachc.cs next to
// the generated files (one copy per output folder). The compiler tests compile
// this file with mcs, warnings as errors.
// tachc-support: begin helpers
using System;
using System.Text;

namespace Tachc
{
    /// <summary>A payload shorter than the struct a view needs.</summary>
    public sealed class SizeException : ArgumentException
    {
        public SizeException(string type, int need, int got)
            : base(type + " needs " + need + " bytes, got " + got)
        {
        }
    }

    /// <summary>A type id that no message of the schema has.</summary>
    public sealed class UnknownTypeException : ArgumentException
    {
        public UnknownTypeException(string schema, uint typeId)
            : base("unknown " + schema + " type id " + typeId)
        {
            TypeId = typeId;
        }

        public uint TypeId { get; private set; }
    }

    /// <summary>Text longer than its char[N] field.</summary>
    public sealed class TextException : ArgumentException
    {
        public TextException(string field, int capacity, int length)
            : base(field + " holds " + capacity + " bytes, text has " + length)
        {
        }
    }

    /// <summary>Little-endian loads and stores at any alignment, byte by byte.</summary>
    public static unsafe class Le
    {
        public static byte ReadU8(byte* p) { return *p; }
        public static sbyte ReadI8(byte* p) { return (sbyte)*p; }
        public static ushort ReadU16(byte* p) { return (ushort)(p[0] | p[1] << 8); }
        public static short ReadI16(byte* p) { return (short)ReadU16(p); }
        public static uint ReadU32(byte* p) { return (uint)p[0] | (uint)p[1] << 8 | (uint)p[2] << 16 | (uint)p[3] << 24; }
        public static int ReadI32(byte* p) { return (int)ReadU32(p); }
        public static ulong ReadU64(byte* p) { return ReadU32(p) | (ulong)ReadU32(p + 4) << 32; }
        public static long ReadI64(byte* p) { return (long)ReadU64(p); }
        public static bool ReadBool(byte* p) { return *p != 0; }

        public static float ReadF32(byte* p)
        {
            uint u = ReadU32(p);
            return *(float*)&u;
        }

        public static double ReadF64(byte* p) { return BitConverter.Int64BitsToDouble(ReadI64(p)); }

        public static void WriteU8(byte* p, byte v) { *p = v; }
        public static void WriteI8(byte* p, sbyte v) { *p = (byte)v; }

        public static void WriteU16(byte* p, ushort v)
        {
            p[0] = (byte)v;
            p[1] = (byte)(v >> 8);
        }

        public static void WriteI16(byte* p, short v) { WriteU16(p, (ushort)v); }

        public static void WriteU32(byte* p, uint v)
        {
            p[0] = (byte)v;
            p[1] = (byte)(v >> 8);
            p[2] = (byte)(v >> 16);
            p[3] = (byte)(v >> 24);
        }

        public static void WriteI32(byte* p, int v) { WriteU32(p, (uint)v); }

        public static void WriteU64(byte* p, ulong v)
        {
            WriteU32(p, (uint)v);
            WriteU32(p + 4, (uint)(v >> 32));
        }

        public static void WriteI64(byte* p, long v) { WriteU64(p, (ulong)v); }
        public static void WriteBool(byte* p, bool v) { *p = v ? (byte)1 : (byte)0; }
        public static void WriteF32(byte* p, float v) { WriteU32(p, *(uint*)&v); }
        public static void WriteF64(byte* p, double v) { WriteI64(p, BitConverter.DoubleToInt64Bits(v)); }

        // UTF-8 that refuses what is not UTF-8 (no U+FFFD substitutes), and writes no byte-order mark.
        static readonly Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>The text of a char[n] field: its bytes before the first NUL, as UTF-8. Bytes that are not
        /// UTF-8 fail to read as text (DecoderFallbackException, an ArgumentException), as in Rust and Python.</summary>
        public static string ReadText(byte* p, int n)
        {
            int len = 0;
            while (len < n && p[len] != 0)
                len++;
            return StrictUtf8.GetString(p, len);
        }

        /// <summary>Stores text's UTF-8 bytes NUL-padded to n bytes; longer text throws TextException and writes
        /// nothing (text is never cut, so never inside a code point); a lone surrogate throws
        /// EncoderFallbackException.</summary>
        public static void WriteText(byte* p, int n, string text, string field)
        {
            byte[] bytes = StrictUtf8.GetBytes(text ?? "");
            if (bytes.Length > n)
                throw new TextException(field, n, bytes.Length);
            for (int i = 0; i < n; i++)
                p[i] = i < bytes.Length ? bytes[i] : (byte)0;
        }

        public static void CheckSize(string type, int need, int got)
        {
            if (got < need)
                throw new SizeException(type, need, got);
        }

        public static void CheckIndex(int i, int n)
        {
            if (i < 0 || i >= n)
                throw new ArgumentOutOfRangeException("i", "index " + i + " of an array of " + n);
        }
    }
}
// tachc-support: end
