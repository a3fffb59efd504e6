// TopologyNative.cs - the P/Invoke declarations of libtachyon's fan-out, fan-in
// and wait-set calls (runtime/include/tachyon.h). Payloads stay pointers.
using System;
using System.Runtime.InteropServices;

namespace Tachyon
{
    internal static unsafe class TopologyNative
    {
        private const string Lib = "tachyon";

        [DllImport(Lib)] internal static extern int tachyon_fanout_listen(string path, UIntPtr capacity, int policy, ref NativeOptions opts, out IntPtr pub);
        [DllImport(Lib)] internal static extern byte* tachyon_fanout_acquire_tx(IntPtr pub, UIntPtr maxSize);
        [DllImport(Lib)] internal static extern byte* tachyon_fanout_acquire_tx_until(IntPtr pub, UIntPtr maxSize, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_fanout_commit_tx(IntPtr pub, UIntPtr actualSize, uint typeId);
        [DllImport(Lib)] internal static extern int tachyon_fanout_rollback_tx(IntPtr pub);
        [DllImport(Lib)] internal static extern int tachyon_fanout_send_until(IntPtr pub, byte* data, UIntPtr size, uint typeId, long deadlineNs);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_fanout_subscribers(IntPtr pub);
        [DllImport(Lib)] internal static extern int tachyon_fanout_last_error(IntPtr pub);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_fanout_max_message_size(IntPtr pub);
        [DllImport(Lib)] internal static extern void tachyon_fanout_interrupt(IntPtr pub);
        [DllImport(Lib)] internal static extern void tachyon_fanout_destroy(IntPtr pub);

        [DllImport(Lib)] internal static extern int tachyon_sub_connect_until(string path, ref NativeOptions opts, uint join, long deadlineNs, out IntPtr sub, out ErrorDetail detail);
        [DllImport(Lib)] internal static extern byte* tachyon_sub_acquire_rx(IntPtr sub, out uint typeId, out UIntPtr size);
        [DllImport(Lib)] internal static extern byte* tachyon_sub_acquire_rx_until(IntPtr sub, out uint typeId, out UIntPtr size, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_sub_commit_rx(IntPtr sub);
        [DllImport(Lib)] internal static extern int tachyon_sub_rejoin(IntPtr sub, uint join);
        [DllImport(Lib)] internal static extern int tachyon_sub_last_error(IntPtr sub);
        [DllImport(Lib)] internal static extern void tachyon_sub_interrupt(IntPtr sub);
        [DllImport(Lib)] internal static extern void tachyon_sub_destroy(IntPtr sub);

        [DllImport(Lib)] internal static extern int tachyon_fanin_listen(string path, UIntPtr capacity, ref NativeOptions opts, out IntPtr fi);
        [DllImport(Lib)] internal static extern byte* tachyon_fanin_acquire_rx(IntPtr fi, out uint typeId, out UIntPtr size, out Sender from);
        [DllImport(Lib)] internal static extern byte* tachyon_fanin_acquire_rx_until(IntPtr fi, out uint typeId, out UIntPtr size, out Sender from, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_fanin_commit_rx(IntPtr fi);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_fanin_producers(IntPtr fi);
        [DllImport(Lib)] internal static extern int tachyon_fanin_last_error(IntPtr fi);
        [DllImport(Lib)] internal static extern void tachyon_fanin_interrupt(IntPtr fi);
        [DllImport(Lib)] internal static extern void tachyon_fanin_destroy(IntPtr fi);

        [DllImport(Lib)] internal static extern int tachyon_waitset_new(out IntPtr ws);
        [DllImport(Lib)] internal static extern int tachyon_waitset_add_bus(IntPtr ws, IntPtr bus, ulong key);
        [DllImport(Lib)] internal static extern int tachyon_waitset_add_sub(IntPtr ws, IntPtr sub, ulong key);
        [DllImport(Lib)] internal static extern int tachyon_waitset_add_fanin(IntPtr ws, IntPtr fi, ulong key);
        [DllImport(Lib)] internal static extern int tachyon_waitset_remove(IntPtr ws, ulong key);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_waitset_wait_until(IntPtr ws, ulong* keys, UIntPtr max, long deadlineNs, out int err);
        [DllImport(Lib)] internal static extern int tachyon_waitset_fd(IntPtr ws);
        [DllImport(Lib)] internal static extern void tachyon_waitset_interrupt(IntPtr ws);
        [DllImport(Lib)] internal static extern void tachyon_waitset_destroy(IntPtr ws);
    }
}
