// Rpc.cs - typed request/response over one connection (tachyon.h "RPC"): the
// client (RpcClient: blocking Call, pipelined Send + NextReply), the server
// (RpcServer: NextRequest/ReplyStart/ReplyCommit, Defer/ReplyTo, and the Serve
// dispatch loop the generated servers run). Zero copy: a request is read and a
// reply written in place in the rings; an RpcReply holds its reply in place
// until disposed. Transport failures are TachyonException (the one table); a
// pipelined call that fails on its own is RpcCallException; what a server
// answered is RpcReply.Status (RpcStatusException from the typed stubs).
using System;
using System.Threading;

namespace Tachyon
{
    /// <summary>What a server answered (tachyon_rpc_status_t).</summary>
    public enum RpcStatus : uint { Ok = 0, UnknownMethod = 1, AppError = 2, BadRequest = 3 }

    /// <summary>A call answered with something other than Ok (thrown by the typed stubs); a handler
    /// throws RpcStatusException.App(code) to refuse its call with a code of its own.</summary>
    public class RpcStatusException : Exception
    {
        /// <summary>The app code a call gets when its handler threw anything else.</summary>
        public const uint HandlerException = 0xffffffffu;

        public RpcStatusException(RpcStatus status, uint appCode)
            : base("tachyon rpc: server answered " + status + (status == RpcStatus.AppError ? " " + appCode : ""))
        {
            Status = status;
            AppCode = appCode;
        }

        public static RpcStatusException App(uint code) { return new RpcStatusException(RpcStatus.AppError, code); }

        public RpcStatus Status { get; private set; }
        /// <summary>The handler's code when Status is AppError, else 0.</summary>
        public uint AppCode { get; private set; }
    }

    /// <summary>A pipelined call that failed on its own (its deadline passed: Timeout; its reply was
    /// too large: TooLarge; a reply claiming its id was malformed: Corrupt). InnerException says which;
    /// the connection stays usable.</summary>
    public sealed class RpcCallException : Exception
    {
        internal RpcCallException(ulong callId, TachyonException inner)
            : base("tachyon rpc: call " + callId + " failed: " + inner.Message, inner)
        {
            CallId = callId;
        }

        public ulong CallId { get; private set; }
        public ErrorCode Code { get { return ((TachyonException)InnerException).Code; } }
    }

    /// <summary>A reply held in place in the client's ring until Dispose (one at a time per connection).</summary>
    public sealed unsafe class RpcReply : IDisposable
    {
        private RpcClient client;

        internal RpcReply(RpcClient client, NativeRpcMsg m)
        {
            this.client = client;
            Pointer = (byte*)m.Data;
            Size = (int)m.Size;
            CallId = m.CallId;
            MethodId = m.MethodId;
            Status = (RpcStatus)m.Status;
            AppCode = m.AppCode;
        }

        public ulong CallId { get; private set; }
        public uint MethodId { get; private set; }
        public RpcStatus Status { get; private set; }
        public bool Ok { get { return Status == RpcStatus.Ok; } }
        public uint AppCode { get; private set; }
        /// <summary>The body in the ring, valid until Dispose.</summary>
        public byte* Pointer { get; private set; }
        public int Size { get; private set; }
        public ReadOnlySpan<byte> Bytes { get { return new ReadOnlySpan<byte>(Pointer, Size); } }

        /// <summary>Checks the reply against its method's reply type: Ok (else RpcStatusException) and
        /// exactly `size` bytes (else TachyonException.Corrupt); disposes it when it fails.</summary>
        public RpcReply Expect(int size)
        {
            if (!Ok)
            {
                var e = new RpcStatusException(Status, AppCode);
                Dispose();
                throw e;
            }
            if (Size != size)
            {
                int got = Size;
                Dispose();
                throw TachyonException.Create(ErrorCode.Corrupt, "rpc reply of " + got + " bytes, expected " + size);
            }
            return this;
        }

        public void Dispose()
        {
            RpcClient c = client;
            client = null;
            Pointer = null;
            Size = 0;
            if (c != null)
                c.Release(this);
        }
    }

    /// <summary>A request held in place in the server's ring, readable until its reply is committed.</summary>
    public unsafe struct RpcRequest
    {
        public ulong CallId;
        public uint MethodId;
        public byte* Pointer;
        public int Size;
        public ReadOnlySpan<byte> Bytes { get { return new ReadOnlySpan<byte>(Pointer, Size); } }
    }

    /// <summary>One method of a dispatch table: its id and exact request and reply body sizes.</summary>
    public struct RpcMethod
    {
        public RpcMethod(uint id, int requestSize, int replySize)
        {
            Id = id;
            RequestSize = requestSize;
            ReplySize = replySize;
        }

        public uint Id;
        public int RequestSize;
        public int ReplySize;
    }

    /// <summary>Fills the reply of method `index` (of the table given to Serve) in place.</summary>
    public unsafe delegate void RpcHandler(int index, byte* request, int requestSize, byte* reply, int replySize);

    /// <summary>Writes a request body in place (RpcClient.SendInPlace).</summary>
    public unsafe delegate void RpcFill(byte* body, int size);

    internal static class RpcCommon
    {
        internal static void Check(int err, string what)
        {
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, what);
        }

        internal static NativeOptions ToNative(Options options)
        {
            var o = new NativeOptions();
            o.SchemaFingerprint = options.SchemaFingerprint;
            o.Flags = options.AllowAnyUid ? 1u : 0u;
            return o;
        }
    }

    /// <summary>The client side of an RPC connection. One thread at a time (Interrupt excepted).</summary>
    public sealed unsafe class RpcClient : IDisposable
    {
        private IntPtr rpc;
        private RpcReply held;

        private RpcClient(IntPtr rpc) { this.rpc = rpc; }

        /// <summary>Connects to the server on `path`, waiting for it up to options.Timeout (null: 5 s).</summary>
        public static RpcClient Connect(string path, Options options = null)
        {
            options = options ?? new Options();
            NativeOptions o = RpcCommon.ToNative(options);
            IntPtr handle;
            ErrorDetail d;
            long deadline = Clock.After(options.Timeout ?? TimeSpan.FromSeconds(5));
            int err;
            while ((err = RpcNative.tachyon_rpc_connect_until(path, ref o, deadline, out handle, out d)) ==
                   (int)ErrorCode.Interrupted)
                continue;
            if (err != 0)
                throw TachyonException.Create(d, "tachyon_rpc_connect " + path);
            return new RpcClient(handle);
        }

        private IntPtr Live
        {
            get
            {
                if (rpc == IntPtr.Zero)
                    throw TachyonException.Create(ErrorCode.State, "rpc client: the connection is closed");
                return rpc;
            }
        }

        /// <summary>The blocking call: sends `size` bytes at `request` to `methodId` and waits up to
        /// `timeout` (null: none) for its reply of at most `replyMax` bytes. Dispose the reply first.</summary>
        public RpcReply Call(uint methodId, byte* request, int size, int replyMax, TimeSpan? timeout = null)
        {
            NativeRpcMsg m;
            RpcCommon.Check(RpcNative.tachyon_rpc_call_until(Live, methodId, request, (UIntPtr)(uint)size,
                                                             (UIntPtr)(uint)replyMax, out m, Clock.After(timeout)),
                            "tachyon_rpc_call of method " + methodId);
            return held = new RpcReply(this, m);
        }

        /// <summary>Call with the request in a byte array (null: an empty request).</summary>
        public RpcReply Call(uint methodId, byte[] request, int replyMax, TimeSpan? timeout = null)
        {
            fixed (byte* p = request)
                return Call(methodId, p, request == null ? 0 : request.Length, replyMax, timeout);
        }

        /// <summary>Pipelined: sends a call and returns its id at once; its outcome comes from NextReply.</summary>
        public ulong Send(uint methodId, byte* request, int size, int replyMax, TimeSpan? timeout = null)
        {
            ulong id;
            RpcCommon.Check(RpcNative.tachyon_rpc_send_until(Live, methodId, request, (UIntPtr)(uint)size,
                                                             (UIntPtr)(uint)replyMax, Clock.After(timeout), out id),
                            "tachyon_rpc_send");
            return id;
        }

        /// <summary>Send with the request in a byte array (null: an empty request).</summary>
        public ulong Send(uint methodId, byte[] request, int replyMax, TimeSpan? timeout = null)
        {
            fixed (byte* p = request)
                return Send(methodId, p, request == null ? 0 : request.Length, replyMax, timeout);
        }

        /// <summary>Pipelined, zero-copy: reserves `size` request bytes in the ring, lets `fill` write them,
        /// and sends. If fill throws, the request goes out zeroed and the exception propagates.</summary>
        public ulong SendInPlace(uint methodId, int size, int replyMax, RpcFill fill, TimeSpan? timeout = null)
        {
            long deadline = Clock.After(timeout);
            byte* p = RpcNative.tachyon_rpc_request_start(Live, (UIntPtr)(uint)size, deadline);
            if (p == null)
                throw TachyonException.Create((ErrorCode)RpcNative.tachyon_rpc_last_error(rpc), "tachyon_rpc_request_start");
            Exception failed = null;
            try
            {
                fill(p, size);
            }
            catch (Exception e)
            {
                new Span<byte>(p, size).Clear();
                failed = e;
            }
            ulong id;
            RpcCommon.Check(RpcNative.tachyon_rpc_request_send(rpc, methodId, (UIntPtr)(uint)replyMax, deadline, out id),
                            "tachyon_rpc_request_send");
            if (failed != null)
                throw failed;
            return id;
        }

        /// <summary>The next outcome of a pending call, in whatever order the server answers. A call that
        /// failed on its own throws RpcCallException; the timeout passing first throws Timeout; PeerGone:
        /// every pending call failed at once; State: nothing is pending.</summary>
        public RpcReply NextReply(TimeSpan? timeout = null)
        {
            NativeRpcMsg m;
            int err = RpcNative.tachyon_rpc_next_reply_until(Live, out m, Clock.After(timeout));
            if (err == 0)
                return held = new RpcReply(this, m);
            TachyonException e = TachyonException.Create((ErrorCode)err, "tachyon_rpc_next_reply");
            if (m.CallId != 0 && (err == (int)ErrorCode.Timeout || err == (int)ErrorCode.TooLarge ||
                                  err == (int)ErrorCode.Corrupt))
                throw new RpcCallException(m.CallId, e);
            throw e;
        }

        /// <summary>Calls in flight.</summary>
        public int Pending { get { return (int)RpcNative.tachyon_rpc_pending(Live); } }

        /// <summary>Makes the wait in progress on another thread throw Interrupted.</summary>
        public void Interrupt() { RpcNative.tachyon_rpc_interrupt(Live); }

        internal void Release(RpcReply r)
        {
            if (held != r || rpc == IntPtr.Zero)
                return;
            held = null;
            RpcCommon.Check(RpcNative.tachyon_rpc_release(rpc), "tachyon_rpc_release");
        }

        /// <summary>Closes the connection (the server sees PeerGone); a held reply is released first.</summary>
        public void Dispose()
        {
            if (rpc == IntPtr.Zero)
                return;
            if (held != null)
                held.Dispose();
            IntPtr h = rpc;
            rpc = IntPtr.Zero;
            RpcNative.tachyon_rpc_destroy(h);
        }
    }

    /// <summary>The server side of an RPC connection. One thread at a time (Interrupt excepted).</summary>
    public sealed unsafe class RpcServer : IDisposable
    {
        private IntPtr rpc;
        private int interruptRequested;

        private RpcServer(IntPtr rpc) { this.rpc = rpc; }

        /// <summary>Listens on `path` for one client, with two rings of `capacity` bytes; waits up to
        /// options.Timeout (null: forever).</summary>
        public static RpcServer Listen(string path, long capacity, Options options = null)
        {
            options = options ?? new Options();
            NativeOptions o = RpcCommon.ToNative(options);
            IntPtr handle;
            ErrorDetail d;
            long deadline = Clock.After(options.Timeout);
            int err;
            while ((err = RpcNative.tachyon_rpc_listen_until(path, (UIntPtr)(ulong)capacity, ref o, deadline, out handle,
                                                             out d)) == (int)ErrorCode.Interrupted)
                continue;
            if (err != 0)
                throw TachyonException.Create(d, "tachyon_rpc_listen " + path);
            return new RpcServer(handle);
        }

        private IntPtr Live
        {
            get
            {
                if (rpc == IntPtr.Zero)
                    throw TachyonException.Create(ErrorCode.State, "rpc server: the connection is closed");
                return rpc;
            }
        }

        /// <summary>The next request, in place (Timeout, PeerGone when the client went, Corrupt, State).</summary>
        public RpcRequest NextRequest(TimeSpan? timeout = null)
        {
            NativeRpcMsg m;
            RpcCommon.Check(RpcNative.tachyon_rpc_next_request_until(Live, out m, Clock.After(timeout)),
                            "tachyon_rpc_next_request");
            return ToRequest(m);
        }

        private static RpcRequest ToRequest(NativeRpcMsg m)
        {
            var r = new RpcRequest();
            r.CallId = m.CallId;
            r.MethodId = m.MethodId;
            r.Pointer = (byte*)m.Data;
            r.Size = (int)m.Size;
            return r;
        }

        /// <summary>Reserves the held request's reply body of `size` bytes in the reply ring (zeroed).</summary>
        public byte* ReplyStart(int size, TimeSpan? timeout = null)
        {
            return ReplyStart(size, Clock.After(timeout));
        }

        private byte* ReplyStart(int size, long deadline)
        {
            byte* p = RpcNative.tachyon_rpc_reply_start(Live, (UIntPtr)(uint)size, deadline);
            if (p == null)
                throw TachyonException.Create((ErrorCode)RpcNative.tachyon_rpc_last_error(rpc), "tachyon_rpc_reply_start");
            new Span<byte>(p, size).Clear();
            return p;
        }

        /// <summary>Sends the reserved reply and releases the held request.</summary>
        public void ReplyCommit(RpcStatus status = RpcStatus.Ok, uint appCode = 0)
        {
            RpcCommon.Check(RpcNative.tachyon_rpc_reply_commit(Live, (uint)status, appCode), "tachyon_rpc_reply_commit");
        }

        /// <summary>Releases the held request unanswered (copy what you need first); answer it later with ReplyTo.</summary>
        public void Defer() { RpcCommon.Check(RpcNative.tachyon_rpc_defer(Live), "tachyon_rpc_defer"); }

        /// <summary>Answers a deferred call with a copy of `body`.</summary>
        public void ReplyTo(ulong callId, uint methodId, RpcStatus status, uint appCode, byte[] body,
                            TimeSpan? timeout = null)
        {
            fixed (byte* p = body)
                RpcCommon.Check(RpcNative.tachyon_rpc_reply_to_until(Live, callId, methodId, (uint)status, appCode, p,
                                                                     (UIntPtr)(uint)(body == null ? 0 : body.Length),
                                                                     Clock.After(timeout)),
                                "tachyon_rpc_reply_to");
        }

        /// <summary>The dispatch loop of the generated servers: finds each request's method in `methods` (an
        /// unknown id is answered UnknownMethod, a body of the wrong size BadRequest), reserves its reply (zeroed)
        /// and calls `handler` to fill it in place. An RpcStatusException answers with its status and code; any
        /// other exception answers AppError HandlerException and propagates. Returns when the client goes
        /// (PeerGone); throws Timeout after `timeout` (null: none), Interrupted after Interrupt().</summary>
        public void Serve(RpcMethod[] methods, RpcHandler handler, TimeSpan? timeout = null)
        {
            long deadline = Clock.After(timeout);
            for (;;)
            {
                NativeRpcMsg m;
                int err = RpcNative.tachyon_rpc_next_request_until(Live, out m, deadline);
                if (err == (int)ErrorCode.PeerGone)
                    return;
                if (err == (int)ErrorCode.Corrupt)
                    continue; // a malformed request: dropped, its caller sees its deadline
                if (err == (int)ErrorCode.Interrupted && Interlocked.Exchange(ref interruptRequested, 0) == 0)
                    continue; // a signal, not Interrupt()
                RpcCommon.Check(err, "tachyon_rpc_serve");
                int i = 0;
                while (i < methods.Length && methods[i].Id != m.MethodId)
                    i++;
                if (i == methods.Length || (int)m.Size != methods[i].RequestSize)
                {
                    ReplyStart(0, deadline);
                    ReplyCommit(i == methods.Length ? RpcStatus.UnknownMethod : RpcStatus.BadRequest);
                    continue;
                }
                byte* reply = ReplyStart(methods[i].ReplySize, deadline);
                try
                {
                    handler(i, (byte*)m.Data, (int)m.Size, reply, methods[i].ReplySize);
                }
                catch (RpcStatusException e)
                {
                    ReplyCommit(e.Status == RpcStatus.Ok ? RpcStatus.AppError : e.Status, e.AppCode);
                    continue;
                }
                catch (Exception)
                {
                    ReplyCommit(RpcStatus.AppError, RpcStatusException.HandlerException);
                    throw;
                }
                ReplyCommit();
            }
        }

        /// <summary>Makes the wait in progress (Serve or NextRequest on another thread) throw Interrupted.</summary>
        public void Interrupt()
        {
            Interlocked.Exchange(ref interruptRequested, 1);
            RpcNative.tachyon_rpc_interrupt(Live);
        }

        /// <summary>Closes the connection: the client's pending calls fail with PeerGone.</summary>
        public void Dispose()
        {
            if (rpc == IntPtr.Zero)
                return;
            IntPtr h = rpc;
            rpc = IntPtr.Zero;
            RpcNative.tachyon_rpc_destroy(h);
        }
    }
}
