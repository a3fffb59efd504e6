// Native.cs - the P/Invoke declarations of libtachyon (runtime/include/tachyon.h)
// that the binding uses. Library name "tachyon": libtachyon.so on Linux, found
// through LD_LIBRARY_PATH or the system's library path. Pointers stay pointers:
// payloads are never marshalled (no copy).
using System;
using System.Runtime.InteropServices;

namespace Tachyon
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeOptions
    {
        public ulong SchemaFingerprint;
        public long TimeoutNs;
        public uint Flags;
        public uint Reserved;
    }

    /// <summary>One received message as tachyon_drain_batch fills it in.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeMsg
    {
        public IntPtr Data;
        public uint Size;
        public uint TypeId;
    }

    /// <summary>What a failed call knows beyond its code (tachyon_error_detail_t).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ErrorDetail
    {
        public int Code;
        /// <summary>The errno behind the failure (always set for System), or 0.</summary>
        public int OsErrno;
        /// <summary>NoListener and Timeout of listen/connect: how long the call waited.</summary>
        public long WaitedNs;
        /// <summary>TooLarge: the payload size asked for.</summary>
        public ulong Size;
        /// <summary>TooLarge: the bus's maximum.</summary>
        public ulong Limit;
    }

    /// <summary>Counters each side keeps for itself (tachyon_stats_t).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Stats
    {
        public ulong Messages, Bytes, Publishes, FullEvents, Sleeps, Wakes;
    }

    internal static unsafe class Native
    {
        private const string Lib = "tachyon";

        [DllImport(Lib)] internal static extern int tachyon_bus_listen_until(string path, UIntPtr capacity, ref NativeOptions opts, long deadlineNs, out IntPtr bus, out ErrorDetail detail);
        [DllImport(Lib)] internal static extern int tachyon_bus_connect_until(string path, ref NativeOptions opts, long deadlineNs, out IntPtr bus, out ErrorDetail detail);
        [DllImport(Lib)] internal static extern void tachyon_bus_destroy(IntPtr bus);
        [DllImport(Lib)] internal static extern void tachyon_bus_interrupt(IntPtr bus);

        [DllImport(Lib)] internal static extern byte* tachyon_acquire_tx(IntPtr bus, UIntPtr maxSize);
        [DllImport(Lib)] internal static extern byte* tachyon_acquire_tx_until(IntPtr bus, UIntPtr maxSize, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_commit_tx(IntPtr bus, UIntPtr actualSize, uint typeId);
        [DllImport(Lib)] internal static extern int tachyon_rollback_tx(IntPtr bus);
        [DllImport(Lib)] internal static extern int tachyon_send(IntPtr bus, byte* data, UIntPtr size, uint typeId);
        [DllImport(Lib)] internal static extern int tachyon_send_until(IntPtr bus, byte* data, UIntPtr size, uint typeId, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_flush(IntPtr bus);

        [DllImport(Lib)] internal static extern byte* tachyon_acquire_rx(IntPtr bus, out uint typeId, out UIntPtr size);
        [DllImport(Lib)] internal static extern byte* tachyon_acquire_rx_until(IntPtr bus, out uint typeId, out UIntPtr size, uint spin, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_commit_rx(IntPtr bus);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_drain_batch(IntPtr bus, NativeMsg* msgs, UIntPtr max);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_drain_batch_until(IntPtr bus, NativeMsg* msgs, UIntPtr max, uint spin, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_commit_rx_batch(IntPtr bus, UIntPtr count);

        [DllImport(Lib)] internal static extern int tachyon_last_error(IntPtr bus);
        [DllImport(Lib)] internal static extern int tachyon_last_error_detail(IntPtr bus, out ErrorDetail detail);
        [DllImport(Lib)] internal static extern IntPtr tachyon_strerror(int err);
        [DllImport(Lib)] internal static extern IntPtr tachyon_error_name(int err);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_format_error(ref ErrorDetail detail, byte* buf, UIntPtr len);
        [DllImport(Lib)] internal static extern long tachyon_now_ns();

        [DllImport(Lib)] internal static extern int tachyon_bus_role(IntPtr bus);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_capacity(IntPtr bus);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_max_message_size(IntPtr bus);
        [DllImport(Lib)] internal static extern ulong tachyon_schema_fingerprint(IntPtr bus);
        [DllImport(Lib)] internal static extern int tachyon_peer_alive(IntPtr bus);
        [DllImport(Lib)] internal static extern int tachyon_get_stats(IntPtr bus, out Stats stats);

        [DllImport(Lib)] internal static extern UIntPtr tachyon_arena_size(UIntPtr capacity);
        [DllImport(Lib)] internal static extern int tachyon_arena_format(byte* mem, UIntPtr len, UIntPtr capacity, ulong fingerprint);
        [DllImport(Lib)] internal static extern int tachyon_arena_attach(byte* mem, UIntPtr len, int role, out IntPtr bus);
    }
}
