// RpcNative.cs - the P/Invoke declarations of libtachyon's RPC calls (tachyon.h
// "RPC"), apart from Native.cs (the bus). Bodies stay pointers: never marshalled.
using System;
using System.Runtime.InteropServices;

namespace Tachyon
{
    /// <summary>tachyon_rpc_msg_t: a reply (client) or a request (server), in place in the ring.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeRpcMsg
    {
        public IntPtr Data;
        public uint Size;
        public uint MethodId;
        public ulong CallId;
        public uint Status;
        public uint AppCode;
    }

    internal static unsafe class RpcNative
    {
        private const string Lib = "tachyon";

        [DllImport(Lib)] internal static extern int tachyon_rpc_listen_until(string path, UIntPtr capacity, ref NativeOptions opts, long deadlineNs, out IntPtr rpc, out ErrorDetail detail);
        [DllImport(Lib)] internal static extern int tachyon_rpc_connect_until(string path, ref NativeOptions opts, long deadlineNs, out IntPtr rpc, out ErrorDetail detail);
        [DllImport(Lib)] internal static extern void tachyon_rpc_destroy(IntPtr rpc);
        [DllImport(Lib)] internal static extern int tachyon_rpc_call_until(IntPtr rpc, uint methodId, byte* request, UIntPtr reqSize, UIntPtr replyMax, out NativeRpcMsg reply, long deadlineNs);
        [DllImport(Lib)] internal static extern byte* tachyon_rpc_request_start(IntPtr rpc, UIntPtr reqSize, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_rpc_request_send(IntPtr rpc, uint methodId, UIntPtr replyMax, long deadlineNs, out ulong callId);
        [DllImport(Lib)] internal static extern int tachyon_rpc_send_until(IntPtr rpc, uint methodId, byte* request, UIntPtr reqSize, UIntPtr replyMax, long deadlineNs, out ulong callId);
        [DllImport(Lib)] internal static extern int tachyon_rpc_next_reply_until(IntPtr rpc, out NativeRpcMsg reply, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_rpc_release(IntPtr rpc);
        [DllImport(Lib)] internal static extern UIntPtr tachyon_rpc_pending(IntPtr rpc);
        [DllImport(Lib)] internal static extern int tachyon_rpc_next_request_until(IntPtr rpc, out NativeRpcMsg req, long deadlineNs);
        [DllImport(Lib)] internal static extern byte* tachyon_rpc_reply_start(IntPtr rpc, UIntPtr size, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_rpc_reply_commit(IntPtr rpc, uint status, uint appCode);
        [DllImport(Lib)] internal static extern int tachyon_rpc_defer(IntPtr rpc);
        [DllImport(Lib)] internal static extern int tachyon_rpc_reply_to_until(IntPtr rpc, ulong callId, uint methodId, uint status, uint appCode, byte* body, UIntPtr size, long deadlineNs);
        [DllImport(Lib)] internal static extern int tachyon_rpc_last_error(IntPtr rpc);
        [DllImport(Lib)] internal static extern void tachyon_rpc_interrupt(IntPtr rpc);
    }
}
