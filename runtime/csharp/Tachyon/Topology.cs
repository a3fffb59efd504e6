// Topology.cs - fan-out (one producer, many subscribers), fan-in (many
// producers, one consumer) and wait-sets (one thread, many consumers).
//
// As with Bus: payloads are never copied by the binding. A HeldMessage is a
// pointer and length (and a ReadOnlySpan<byte>) into the shared ring, valid
// inside its using block; each consumer reuses one guard object. Blocking calls
// make one C call with the caller's deadline, resume by themselves after a
// signal, and end with TachyonException.Interrupted when another thread calls
// Interrupt().
using System;
using System.Collections.Generic;
using System.Threading;

namespace Tachyon
{
    /// <summary>What a fan-out producer does about a subscriber that falls behind.</summary>
    public enum LagPolicy
    {
        /// <summary>The producer waits for the slowest subscriber (TrySend: false; Send: the timeout).</summary>
        Block = 0,
        /// <summary>The laggard is dropped: its next call (or its Commit) throws TachyonException.Lagged.</summary>
        Drop = 1,
    }

    /// <summary>Where a subscriber starts: at the next message, or at the oldest still in the ring.</summary>
    public enum Join : uint { Newest = 0, Oldest = 1 }

    /// <summary>Who sent a fan-in's message (tachyon_sender_t).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    public struct Sender
    {
        /// <summary>Producers numbered from 1 in the order they joined (never reused).</summary>
        public ulong Id;
        /// <summary>The producer's process id.</summary>
        public uint Pid;
        /// <summary>Its place in the fan-in's table (0..63, reused after it left).</summary>
        public uint Slot;
    }

    /// <summary>What the topology objects share: their handle, interrupt and deadline logic.</summary>
    public abstract class TopologyMember : IDisposable
    {
        private IntPtr handle;
        private int interruptRequested;
        private readonly string kind;

        internal TopologyMember(IntPtr handle, string kind)
        {
            this.handle = handle;
            this.kind = kind;
        }

        internal IntPtr Handle
        {
            get
            {
                if (handle == IntPtr.Zero)
                    throw new ObjectDisposedException("Tachyon." + kind);
                return handle;
            }
        }

        internal static NativeOptions ToNative(Options options)
        {
            var o = new NativeOptions();
            if (options != null)
            {
                o.SchemaFingerprint = options.SchemaFingerprint;
                o.Flags = options.AllowAnyUid ? 1u : 0u;
            }
            return o;
        }

        internal abstract void InterruptNative(IntPtr h);
        internal abstract void DestroyNative(IntPtr h);

        /// <summary>Makes the blocking call in progress (or, if none, the next one to wait) throw
        /// TachyonException.Interrupted: the one call another thread may make meanwhile.</summary>
        public void Interrupt()
        {
            IntPtr h = handle;
            if (h == IntPtr.Zero)
                return;
            Interlocked.Exchange(ref interruptRequested, 1);
            InterruptNative(h);
        }

        // After a wait failed with `err`: true to wait again (a signal), false to throw (anything
        // else, or an Interrupt(), which this consumes).
        internal bool Resume(int err)
        {
            return err == (int)ErrorCode.Interrupted && Interlocked.Exchange(ref interruptRequested, 0) == 0;
        }

        /// <summary>Whether Dispose was called.</summary>
        public bool IsDisposed { get { return handle == IntPtr.Zero; } }

        /// <summary>Closes it (the other side sees PeerGone, or stops waiting for it).</summary>
        public void Dispose()
        {
            IntPtr h = handle;
            if (h == IntPtr.Zero)
                return;
            handle = IntPtr.Zero;
            Released();
            DestroyNative(h);
        }

        internal virtual void Released() { }
    }

    /// <summary>The producer of a fan-out: each message is written once and every Subscriber (up to 64,
    /// in any process) reads it in place. Listen returns at once; subscribers come and go.</summary>
    public sealed unsafe class FanOut : TopologyMember
    {
        private readonly FanOutTx tx;

        private FanOut(IntPtr h) : base(h, "FanOut") { tx = new FanOutTx(this); }

        /// <summary>Binds `path` with a ring of `capacity` bytes (a power of two). Options: the
        /// schema fingerprint and the uid policy (Timeout is unused).</summary>
        public static FanOut Listen(string path, long capacity, LagPolicy policy, Options options = null)
        {
            NativeOptions o = ToNative(options);
            IntPtr h;
            int err = TopologyNative.tachyon_fanout_listen(path, (UIntPtr)(ulong)capacity, (int)policy, ref o, out h);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_fanout_listen");
            return new FanOut(h);
        }

        internal override void InterruptNative(IntPtr h) { TopologyNative.tachyon_fanout_interrupt(h); }
        internal override void DestroyNative(IntPtr h) { TopologyNative.tachyon_fanout_destroy(h); }

        internal TachyonException LastError(string call)
        {
            return TachyonException.Create((ErrorCode)TopologyNative.tachyon_fanout_last_error(Handle), call);
        }

        /// <summary>Subscribers attached now.</summary>
        public int Subscribers { get { return (int)(ulong)TopologyNative.tachyon_fanout_subscribers(Handle); } }

        /// <summary>The largest payload one message may have.</summary>
        public int MaxMessageSize { get { return (int)(ulong)TopologyNative.tachyon_fanout_max_message_size(Handle); } }

        /// <summary>Copies and publishes `size` bytes at `data`, waiting up to `timeout` (null: forever)
        /// for room under LagPolicy.Block.</summary>
        public void Send(byte* data, int size, uint typeId, TimeSpan? timeout = null)
        {
            long deadline = Clock.After(timeout);
            int err;
            while ((err = TopologyNative.tachyon_fanout_send_until(Handle, data, (UIntPtr)(uint)size, typeId, deadline)) != 0)
                if (!Resume(err))
                    throw TachyonException.Create((ErrorCode)err, "tachyon_fanout_send_until");
        }

        /// <summary>Copies and publishes `payload`, waiting for room as Send(byte*, ...).</summary>
        public void Send(byte[] payload, uint typeId, TimeSpan? timeout = null)
        {
            fixed (byte* p = payload)
                Send(p, payload.Length, typeId, timeout);
        }

        /// <summary>Publishes a copy of `payload` without waiting: false while there is no room.</summary>
        public bool TrySend(byte[] payload, uint typeId)
        {
            int err;
            fixed (byte* p = payload)
                err = TopologyNative.tachyon_fanout_send_until(Handle, p, (UIntPtr)(uint)payload.Length, typeId, 0);
            if (err == (int)ErrorCode.Full)
                return false;
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_fanout_send_until");
            return true;
        }

        /// <summary>A slot of `maxSize` bytes to write in place, waiting up to `timeout` (null: forever).
        /// Commit publishes it to every subscriber; Dispose without Commit rolls it back.</summary>
        public FanOutTx AcquireTx(int maxSize, TimeSpan? timeout = null)
        {
            long deadline = Clock.After(timeout);
            byte* p;
            while ((p = TopologyNative.tachyon_fanout_acquire_tx_until(Handle, (UIntPtr)(uint)maxSize, deadline)) == null)
                if (!Resume(TopologyNative.tachyon_fanout_last_error(Handle)))
                    throw LastError("tachyon_fanout_acquire_tx_until");
            tx.Reset(p, maxSize);
            return tx;
        }

        /// <summary>AcquireTx without waiting: false while there is no room.</summary>
        public bool TryAcquireTx(int maxSize, out FanOutTx guard)
        {
            byte* p = TopologyNative.tachyon_fanout_acquire_tx(Handle, (UIntPtr)(uint)maxSize);
            guard = null;
            if (p == null)
            {
                if (TopologyNative.tachyon_fanout_last_error(Handle) == (int)ErrorCode.Full)
                    return false;
                throw LastError("tachyon_fanout_acquire_tx");
            }
            tx.Reset(p, maxSize);
            guard = tx;
            return true;
        }
    }

    /// <summary>A reserved fan-out slot; Commit publishes it, Dispose without Commit rolls it back.</summary>
    public sealed unsafe class FanOutTx : IDisposable
    {
        private readonly FanOut pub;
        private bool active;

        internal FanOutTx(FanOut pub) { this.pub = pub; }

        internal void Reset(byte* p, int size)
        {
            Pointer = p;
            Size = size;
            active = true;
        }

        public byte* Pointer { get; private set; }
        public int Size { get; private set; }
        public Span<byte> Bytes { get { return new Span<byte>(Pointer, Size); } }

        /// <summary>Publishes the first `size` bytes as one message of `typeId`.</summary>
        public void Commit(int size, uint typeId)
        {
            if (!active)
                throw TachyonException.Create(ErrorCode.State, "FanOutTx.Commit: already committed or rolled back");
            if (size < 0 || size > Size)
                throw new ArgumentOutOfRangeException("size", "outside the reserved " + Size + " bytes");
            active = false;
            int err = TopologyNative.tachyon_fanout_commit_tx(pub.Handle, (UIntPtr)(uint)size, typeId);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_fanout_commit_tx");
        }

        public void Dispose()
        {
            if (active)
            {
                active = false;
                TopologyNative.tachyon_fanout_rollback_tx(pub.Handle);
            }
        }
    }

    /// <summary>A received message held in place; released by Commit or Dispose. Sender is set for a
    /// fan-in's message.</summary>
    public sealed unsafe class HeldMessage : IDisposable
    {
        private readonly Func<int> commit;
        private bool active;

        internal HeldMessage(Func<int> commit) { this.commit = commit; }

        internal void Reset(byte* p, int size, uint typeId, Sender sender)
        {
            Pointer = p;
            Size = size;
            TypeId = typeId;
            Sender = sender;
            active = true;
        }

        public uint TypeId { get; private set; }
        public int Size { get; private set; }
        public byte* Pointer { get; private set; }
        public Sender Sender { get; private set; }
        public ReadOnlySpan<byte> Bytes { get { return new ReadOnlySpan<byte>(Pointer, Size); } }
        public byte[] ToArray() { return Bytes.ToArray(); }

        /// <summary>Releases the message. A subscriber dropped (LagPolicy.Drop) while it held it gets
        /// TachyonException.Lagged: what was read from it must be discarded.</summary>
        public void Commit()
        {
            if (!active)
                throw TachyonException.Create(ErrorCode.State, "HeldMessage.Commit: already released");
            active = false;
            int err = commit();
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "commit");
        }

        /// <summary>Releases it if Commit was not called (a Lagged then shows on the next receive).</summary>
        public void Dispose()
        {
            if (active)
            {
                active = false;
                commit();
            }
        }

        internal void Abandon() { active = false; }
    }

    /// <summary>A subscriber of a FanOut: reads every message published after it joined, in place.</summary>
    public sealed unsafe class Subscriber : TopologyMember
    {
        private readonly HeldMessage held;

        private Subscriber(IntPtr h) : base(h, "Subscriber")
        {
            held = new HeldMessage(() => TopologyNative.tachyon_sub_commit_rx(Handle));
        }

        /// <summary>Joins the fan-out on `path`, waiting up to options.Timeout (null: 5 s) for it to
        /// appear. A full table of subscribers is TachyonException.Full.</summary>
        public static Subscriber Connect(string path, Join join = Join.Newest, Options options = null)
        {
            NativeOptions o = ToNative(options);
            long deadline = Clock.After(options != null && options.Timeout.HasValue ? options.Timeout : TimeSpan.FromSeconds(5));
            IntPtr h;
            ErrorDetail d;
            int err;
            while ((err = TopologyNative.tachyon_sub_connect_until(path, ref o, (uint)join, deadline, out h, out d)) != 0)
                if (err != (int)ErrorCode.Interrupted)
                    throw TachyonException.Create(d, "tachyon_sub_connect_until");
            return new Subscriber(h);
        }

        internal override void InterruptNative(IntPtr h) { TopologyNative.tachyon_sub_interrupt(h); }
        internal override void DestroyNative(IntPtr h) { TopologyNative.tachyon_sub_destroy(h); }
        internal override void Released() { held.Abandon(); }

        private TachyonException LastError(string call)
        {
            return TachyonException.Create((ErrorCode)TopologyNative.tachyon_sub_last_error(Handle), call);
        }

        /// <summary>The next message, waiting up to `timeout` (null: forever). Throws PeerGone once the
        /// producer closed or died and everything was read, Lagged after a drop (Rejoin).</summary>
        public HeldMessage Receive(TimeSpan? timeout = null)
        {
            long deadline = Clock.After(timeout);
            uint typeId;
            UIntPtr size;
            byte* p;
            while ((p = TopologyNative.tachyon_sub_acquire_rx_until(Handle, out typeId, out size, deadline)) == null)
                if (!Resume(TopologyNative.tachyon_sub_last_error(Handle)))
                    throw LastError("tachyon_sub_acquire_rx_until");
            held.Reset(p, (int)(ulong)size, typeId, default(Sender));
            return held;
        }

        /// <summary>The next message if one is there now; false when none is.</summary>
        public bool TryReceive(out HeldMessage message)
        {
            uint typeId;
            UIntPtr size;
            byte* p = TopologyNative.tachyon_sub_acquire_rx(Handle, out typeId, out size);
            message = null;
            if (p == null)
            {
                if (TopologyNative.tachyon_sub_last_error(Handle) == (int)ErrorCode.Empty)
                    return false;
                throw LastError("tachyon_sub_acquire_rx");
            }
            held.Reset(p, (int)(ulong)size, typeId, default(Sender));
            message = held;
            return true;
        }

        /// <summary>Every message until the producer is gone; each is released when the loop moves on.</summary>
        public IEnumerable<HeldMessage> Messages()
        {
            for (;;)
            {
                HeldMessage m;
                try
                {
                    m = Receive();
                }
                catch (TachyonException.PeerGone)
                {
                    yield break;
                }
                try
                {
                    yield return m;
                }
                finally
                {
                    m.Dispose();
                }
            }
        }

        /// <summary>After Lagged: takes this subscriber's place back at the newest or the oldest message.</summary>
        public void Rejoin(Join join = Join.Newest)
        {
            held.Abandon();
            int err = TopologyNative.tachyon_sub_rejoin(Handle, (uint)join);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_sub_rejoin");
        }
    }

    /// <summary>The consumer of a fan-in: producers connect with Bus.Connect, each with a ring of its
    /// own; messages come one per producer in turn, each with its Sender.</summary>
    public sealed unsafe class FanIn : TopologyMember
    {
        private readonly HeldMessage held;

        private FanIn(IntPtr h) : base(h, "FanIn")
        {
            held = new HeldMessage(() => TopologyNative.tachyon_fanin_commit_rx(Handle));
        }

        /// <summary>Binds `path` and returns at once; each producer gets a ring of `capacity` bytes.</summary>
        public static FanIn Listen(string path, long capacity, Options options = null)
        {
            NativeOptions o = ToNative(options);
            IntPtr h;
            int err = TopologyNative.tachyon_fanin_listen(path, (UIntPtr)(ulong)capacity, ref o, out h);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_fanin_listen");
            return new FanIn(h);
        }

        internal override void InterruptNative(IntPtr h) { TopologyNative.tachyon_fanin_interrupt(h); }
        internal override void DestroyNative(IntPtr h) { TopologyNative.tachyon_fanin_destroy(h); }
        internal override void Released() { held.Abandon(); }

        /// <summary>Producers attached now.</summary>
        public int Producers { get { return (int)(ulong)TopologyNative.tachyon_fanin_producers(Handle); } }

        /// <summary>The next message from any producer, waiting up to `timeout` (null: forever).</summary>
        public HeldMessage Receive(TimeSpan? timeout = null)
        {
            long deadline = Clock.After(timeout);
            uint typeId;
            UIntPtr size;
            Sender from;
            byte* p;
            while ((p = TopologyNative.tachyon_fanin_acquire_rx_until(Handle, out typeId, out size, out from, deadline)) == null)
            {
                int err = TopologyNative.tachyon_fanin_last_error(Handle);
                if (!Resume(err))
                    throw TachyonException.Create((ErrorCode)err, "tachyon_fanin_acquire_rx_until");
            }
            held.Reset(p, (int)(ulong)size, typeId, from);
            return held;
        }

        /// <summary>The next message if one is there now; false when none is.</summary>
        public bool TryReceive(out HeldMessage message)
        {
            uint typeId;
            UIntPtr size;
            Sender from;
            byte* p = TopologyNative.tachyon_fanin_acquire_rx(Handle, out typeId, out size, out from);
            message = null;
            if (p == null)
            {
                int err = TopologyNative.tachyon_fanin_last_error(Handle);
                if (err == (int)ErrorCode.Empty)
                    return false;
                throw TachyonException.Create((ErrorCode)err, "tachyon_fanin_acquire_rx");
            }
            held.Reset(p, (int)(ulong)size, typeId, from);
            message = held;
            return true;
        }
    }

    /// <summary>One thread, many consumers: a Bus's receiving side, a Subscriber or a FanIn (up to 64),
    /// each under a key of yours. Wait returns the keys of those with something to read; read them
    /// with TryReceive / DrainBatch.</summary>
    public sealed unsafe class WaitSet : TopologyMember
    {
        private readonly HashSet<ulong> keys = new HashSet<ulong>();

        private WaitSet(IntPtr h) : base(h, "WaitSet") { }

        /// <summary>An empty wait-set.</summary>
        public static WaitSet Create()
        {
            IntPtr h;
            int err = TopologyNative.tachyon_waitset_new(out h);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_waitset_new");
            return new WaitSet(h);
        }

        internal override void InterruptNative(IntPtr h) { TopologyNative.tachyon_waitset_interrupt(h); }
        internal override void DestroyNative(IntPtr h) { TopologyNative.tachyon_waitset_destroy(h); }

        private void Added(int err, ulong key)
        {
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_waitset_add");
            keys.Add(key);
        }

        public void Add(Bus bus, ulong key) { Added(TopologyNative.tachyon_waitset_add_bus(Handle, bus.Handle, key), key); }
        public void Add(Subscriber sub, ulong key) { Added(TopologyNative.tachyon_waitset_add_sub(Handle, sub.Handle, key), key); }
        public void Add(FanIn fanIn, ulong key) { Added(TopologyNative.tachyon_waitset_add_fanin(Handle, fanIn.Handle, key), key); }

        /// <summary>Removes the member under `key` (TachyonException.State if there is none).</summary>
        public void Remove(ulong key)
        {
            int err = TopologyNative.tachyon_waitset_remove(Handle, key);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_waitset_remove");
            keys.Remove(key);
        }

        /// <summary>Members in the set.</summary>
        public int Count { get { return keys.Count; } }

        /// <summary>Fills `ready` with the keys of members that have something to read, waiting up to
        /// `timeout` (null: forever; zero: not at all); returns how many (0: timed out).</summary>
        public int Wait(ulong[] ready, TimeSpan? timeout = null)
        {
            long deadline = timeout.HasValue && timeout.Value == TimeSpan.Zero ? 0 : Clock.After(timeout);
            for (;;)
            {
                int err;
                ulong n;
                fixed (ulong* k = ready)
                    n = (ulong)TopologyNative.tachyon_waitset_wait_until(Handle, k, (UIntPtr)(uint)ready.Length, deadline, out err);
                if (n > 0 || err == 0 || err == (int)ErrorCode.Timeout)
                    return (int)n;
                if (!Resume(err))
                    throw TachyonException.Create((ErrorCode)err, "tachyon_waitset_wait_until");
            }
        }

        /// <summary>The ready keys, waiting up to `timeout` (empty: timed out).</summary>
        public ulong[] Wait(TimeSpan? timeout = null)
        {
            var buf = new ulong[64];
            int n = Wait(buf, timeout);
            Array.Resize(ref buf, n);
            return buf;
        }

        /// <summary>The readiness fd (an epoll fd) for a poller of your own; Wait(zero) clears it.</summary>
        public int Fd
        {
            get
            {
                int fd = TopologyNative.tachyon_waitset_fd(Handle);
                if (fd < 0)
                    throw TachyonException.Create(ErrorCode.System, "tachyon_waitset_fd");
                return fd;
            }
        }
    }
}
