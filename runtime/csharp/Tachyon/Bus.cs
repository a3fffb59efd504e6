// Bus.cs - one side of a Tachyon bus, and the guards over ring slots.
//
// Payloads are never copied by the binding: TxGuard, RxGuard and Message hand out
// a pointer and length (and a Span<byte> over them) into the shared ring. A guard
// is valid inside its using block only: the bus reuses one TxGuard and one
// RxGuard object (each side holds at most one slot at a time), so the hot path
// allocates nothing.
//
// Blocking calls resume by themselves when a signal interrupts their wait (the
// runtime's own signals do: Mono stops threads with one for its collector),
// keeping one absolute deadline across the retries; Interrupt() from another
// thread cancels a wait.
using System;
using System.Collections.Generic;
using System.Threading;

namespace Tachyon
{
    /// <summary>Options for Listen and Connect.</summary>
    public sealed class Options
    {
        /// <summary>0: not bound; otherwise both peers must agree (a generated Schema.Fingerprint).</summary>
        public ulong SchemaFingerprint;
        /// <summary>Listen: how long to wait for a connector (null: forever). Connect: how long to
        /// wait for a listener to appear and for the handshake (null: 5 s).</summary>
        public TimeSpan? Timeout;
        /// <summary>Accept connectors of any uid (default: only the listener's own uid).</summary>
        public bool AllowAnyUid;
    }

    public enum Role { Consumer = 0, Producer = 1 }

    /// <summary>Time as the C library counts it: nanoseconds, deadlines on CLOCK_MONOTONIC.</summary>
    public static class Clock
    {
        /// <summary>No limit, as a timeout or a deadline.</summary>
        public const long Forever = -1;

        /// <summary>Now on the clock of every deadline (tachyon_now_ns).</summary>
        public static long NowNs() { return Native.tachyon_now_ns(); }

        /// <summary>The deadline `timeout` from now; Forever for null or a negative timeout.</summary>
        public static long After(TimeSpan? timeout)
        {
            if (!timeout.HasValue || timeout.Value < TimeSpan.Zero)
                return Forever;
            return NowNs() + timeout.Value.Ticks * 100;
        }
    }

    /// <summary>A received message: its type id and its payload in the ring.</summary>
    public unsafe struct Message
    {
        internal Message(byte* data, int size, uint typeId)
        {
            Pointer = data;
            Size = size;
            TypeId = typeId;
        }

        public uint TypeId { get; private set; }
        public int Size { get; private set; }
        /// <summary>The first payload byte (16-byte aligned), valid until the message is released.</summary>
        public byte* Pointer { get; private set; }
        public ReadOnlySpan<byte> Bytes { get { return new ReadOnlySpan<byte>(Pointer, Size); } }

        /// <summary>A copy of the payload (for keeping it past the release).</summary>
        public byte[] ToArray() { return Bytes.ToArray(); }
    }

    /// <summary>A reserved slot: write the payload, then Commit; disposed uncommitted, it rolls back.</summary>
    public sealed unsafe class TxGuard : IDisposable
    {
        private readonly Bus bus;
        private bool active;

        internal TxGuard(Bus bus) { this.bus = bus; }

        internal void Reset(byte* data, int size)
        {
            Pointer = data;
            Size = size;
            active = true;
        }

        /// <summary>The reserved bytes, in the ring (16-byte aligned).</summary>
        public byte* Pointer { get; private set; }
        public int Size { get; private set; }
        public Span<byte> Bytes { get { return new Span<byte>(Pointer, Size); } }
        /// <summary>True until Commit or Rollback.</summary>
        public bool Active { get { return active; } }

        /// <summary>Commits all reserved bytes as one message of `typeId`.</summary>
        public void Commit(uint typeId) { Commit(Size, typeId); }

        /// <summary>Commits the first `size` reserved bytes as one message of `typeId`.</summary>
        public void Commit(int size, uint typeId)
        {
            if (!active)
                throw TachyonException.Create(ErrorCode.State, "TxGuard.Commit: not active");
            active = false;
            int err = Native.tachyon_commit_tx(bus.Handle, (UIntPtr)(ulong)size, typeId);
            if (err != 0)
            {
                Native.tachyon_rollback_tx(bus.Handle);
                throw bus.LastError("tachyon_commit_tx");
            }
        }

        /// <summary>Abandons the reservation: nothing is sent.</summary>
        public void Rollback()
        {
            if (!active)
                throw TachyonException.Create(ErrorCode.State, "TxGuard.Rollback: not active");
            active = false;
            Native.tachyon_rollback_tx(bus.Handle);
        }

        public void Dispose()
        {
            if (active)
            {
                active = false;
                Native.tachyon_rollback_tx(bus.Handle);
            }
        }
    }

    /// <summary>A received message held in the ring; released by Commit or Dispose.</summary>
    public sealed unsafe class RxGuard : IDisposable
    {
        private readonly Bus bus;
        private bool active;

        internal RxGuard(Bus bus) { this.bus = bus; }

        internal void Reset(byte* data, int size, uint typeId)
        {
            Pointer = data;
            Size = size;
            TypeId = typeId;
            active = true;
        }

        public uint TypeId { get; private set; }
        public int Size { get; private set; }
        public byte* Pointer { get; private set; }
        public ReadOnlySpan<byte> Bytes { get { return new ReadOnlySpan<byte>(Pointer, Size); } }
        public Message Message { get { return new Message(Pointer, Size, TypeId); } }

        /// <summary>Releases the message now; its bytes may be reused at once.</summary>
        public void Commit()
        {
            if (!active)
                throw TachyonException.Create(ErrorCode.State, "RxGuard.Commit: already released");
            active = false;
            if (Native.tachyon_commit_rx(bus.Handle) != 0)
                throw bus.LastError("tachyon_commit_rx");
        }

        public void Dispose()
        {
            if (active)
            {
                active = false;
                Native.tachyon_commit_rx(bus.Handle);
            }
        }
    }

    /// <summary>The messages of one drain: indexable and enumerable; all released together.</summary>
    public sealed unsafe class Batch : IDisposable, IEnumerable<Message>
    {
        private readonly Bus bus;
        private readonly NativeMsg* msgs;
        private bool active;

        internal Batch(Bus bus, NativeMsg* msgs, int count)
        {
            this.bus = bus;
            this.msgs = msgs;
            Count = count;
            active = true;
        }

        public int Count { get; private set; }

        public Message this[int i]
        {
            get
            {
                if (!active || i < 0 || i >= Count)
                    throw new ArgumentOutOfRangeException("i");
                return new Message((byte*)msgs[i].Data, (int)msgs[i].Size, msgs[i].TypeId);
            }
        }

        public IEnumerator<Message> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
                yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() { return GetEnumerator(); }

        /// <summary>Releases every message of the batch now.</summary>
        public void Commit()
        {
            if (!active)
                throw TachyonException.Create(ErrorCode.State, "Batch.Commit: already released");
            active = false;
            if (Native.tachyon_commit_rx_batch(bus.Handle, (UIntPtr)(ulong)Count) != 0)
                throw bus.LastError("tachyon_commit_rx_batch");
        }

        public void Dispose()
        {
            if (active)
            {
                active = false;
                Native.tachyon_commit_rx_batch(bus.Handle, (UIntPtr)(ulong)Count);
            }
        }
    }

    /// <summary>One side of a bus: the listener consumes, the connector produces.</summary>
    public sealed unsafe class Bus : IDisposable
    {
        /// <summary>Spins before a blocking receive sleeps on the futex.</summary>
        public const uint DefaultSpin = 20000;

        private IntPtr bus;
        private readonly TxGuard tx;
        private readonly RxGuard rx;
        private NativeMsg[] batch = new NativeMsg[0];
        private System.Runtime.InteropServices.GCHandle batchPin;

        private Bus(IntPtr bus)
        {
            this.bus = bus;
            tx = new TxGuard(this);
            rx = new RxGuard(this);
        }

        /// <summary>Listens on `path` ("@name": abstract namespace), waits for one producer and
        /// returns the consumer side with a ring of `capacity` bytes (a power of two).</summary>
        public static Bus Listen(string path, long capacity, Options options = null)
        {
            options = options ?? new Options();
            NativeOptions o = ToNative(options);
            IntPtr handle;
            ErrorDetail d;
            long deadline = Clock.After(options.Timeout);
            int err;
            while ((err = Native.tachyon_bus_listen_until(path, (UIntPtr)(ulong)capacity, ref o, deadline, out handle,
                                                          out d)) == (int)ErrorCode.Interrupted)
                continue;
            if (err != 0)
                throw TachyonException.Create(d, "tachyon_bus_listen " + path);
            return new Bus(handle);
        }

        /// <summary>Connects to the listener on `path` (waiting for it to appear, 5 s unless
        /// options.Timeout says otherwise) and returns the producer side.</summary>
        public static Bus Connect(string path, Options options = null)
        {
            options = options ?? new Options();
            NativeOptions o = ToNative(options);
            IntPtr handle;
            ErrorDetail d;
            long deadline = Clock.After(options.Timeout ?? TimeSpan.FromSeconds(5));
            int err;
            while ((err = Native.tachyon_bus_connect_until(path, ref o, deadline, out handle, out d)) ==
                   (int)ErrorCode.Interrupted)
                continue;
            if (err != 0)
                throw TachyonException.Create(d, "tachyon_bus_connect " + path);
            return new Bus(handle);
        }

        /// <summary>Bytes of memory an arena with a ring of `capacity` bytes needs (0: invalid).</summary>
        public static long ArenaSize(long capacity)
        {
            return (long)(ulong)Native.tachyon_arena_size((UIntPtr)(ulong)capacity);
        }

        /// <summary>Formats caller memory (64-byte aligned) as an arena.</summary>
        public static void FormatArena(byte* mem, long length, long capacity, ulong fingerprint = 0)
        {
            int err = Native.tachyon_arena_format(mem, (UIntPtr)(ulong)length, (UIntPtr)(ulong)capacity, fingerprint);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_arena_format");
        }

        /// <summary>One side of a formatted arena, in this process; the memory stays the caller's.</summary>
        public static Bus Attach(byte* mem, long length, Role role)
        {
            IntPtr handle;
            int err = Native.tachyon_arena_attach(mem, (UIntPtr)(ulong)length, (int)role, out handle);
            if (err != 0)
                throw TachyonException.Create((ErrorCode)err, "tachyon_arena_attach");
            return new Bus(handle);
        }

        private static NativeOptions ToNative(Options options)
        {
            var o = new NativeOptions();
            o.SchemaFingerprint = options.SchemaFingerprint;
            o.Flags = options.AllowAnyUid ? 1u : 0u;
            return o;
        }

        internal IntPtr Handle
        {
            get
            {
                if (bus == IntPtr.Zero)
                    throw new ObjectDisposedException("Tachyon.Bus");
                return bus;
            }
        }

        private int interruptRequested;

        // True when the last call failed with Interrupted because of a signal: the caller
        // resumes its wait. False for any other failure, and for an Interrupt(), which it
        // consumes (the caller then throws TachyonException.Interrupted).
        private bool Interrupted()
        {
            return Native.tachyon_last_error(bus) == (int)ErrorCode.Interrupted && !TakeInterrupt();
        }

        private bool TakeInterrupt() { return Interlocked.Exchange(ref interruptRequested, 0) != 0; }

        /// <summary>
        /// Makes the blocking call in progress on this bus (or, if none, the next one to wait)
        /// throw TachyonException.Interrupted: the one call another thread may make while the
        /// bus's own thread uses it, to cancel a wait (the foreach of Messages() too).
        /// </summary>
        public void Interrupt()
        {
            IntPtr handle = bus;
            if (handle == IntPtr.Zero)
                return;
            Interlocked.Exchange(ref interruptRequested, 1);
            Native.tachyon_bus_interrupt(handle);
        }

        internal TachyonException LastError(string call)
        {
            ErrorDetail d;
            if (Native.tachyon_last_error_detail(bus, out d) == 0)
                d.Code = (int)ErrorCode.State;
            return TachyonException.Create(d, call);
        }

        /// <summary>Closes this side (a producer publishes first); the peer sees PeerGone.</summary>
        public void Dispose()
        {
            if (bus != IntPtr.Zero)
            {
                Native.tachyon_bus_destroy(bus);
                bus = IntPtr.Zero;
            }
            if (batchPin.IsAllocated)
                batchPin.Free();
        }

        // ---- producer ----

        /// <summary>A slot of `maxSize` bytes, waiting up to `timeout` (null: forever) for room.</summary>
        public TxGuard AcquireTx(int maxSize, TimeSpan? timeout = null)
        {
            // Room now is the common case: no clock read, one call into the library.
            byte* p = Native.tachyon_acquire_tx(Handle, (UIntPtr)(ulong)maxSize);
            if (p != null)
            {
                tx.Reset(p, maxSize);
                return tx;
            }
            if (Native.tachyon_last_error(bus) != (int)ErrorCode.Full)
                throw LastError("tachyon_acquire_tx");
            return AcquireTxUntil(maxSize, Clock.After(timeout));
        }

        /// <summary>AcquireTx with an absolute deadline (Clock.NowNs() nanoseconds; Clock.Forever).</summary>
        public TxGuard AcquireTxUntil(int maxSize, long deadlineNs)
        {
            byte* p;
            while ((p = Native.tachyon_acquire_tx_until(Handle, (UIntPtr)(ulong)maxSize, deadlineNs)) == null)
                if (!Interrupted())
                    throw LastError("tachyon_acquire_tx_until");
            tx.Reset(p, maxSize);
            return tx;
        }

        /// <summary>A slot of `maxSize` bytes if there is room now; false when the ring is full.</summary>
        public bool TryAcquireTx(int maxSize, out TxGuard guard)
        {
            byte* p = Native.tachyon_acquire_tx(Handle, (UIntPtr)(ulong)maxSize);
            if (p == null)
            {
                guard = null;
                if (Native.tachyon_last_error(bus) == (int)ErrorCode.Full)
                    return false;
                throw LastError("tachyon_acquire_tx");
            }
            tx.Reset(p, maxSize);
            guard = tx;
            return true;
        }

        /// <summary>Copies `size` bytes at `data` into the ring as one message, waiting for room.</summary>
        public void Send(byte* data, int size, uint typeId, TimeSpan? timeout = null)
        {
            long deadline = Clock.After(timeout);
            int err;
            while ((err = Native.tachyon_send_until(Handle, data, (UIntPtr)(ulong)size, typeId, deadline)) ==
                   (int)ErrorCode.Interrupted && !TakeInterrupt())
                continue;
            if (err != 0)
                throw LastError("tachyon_send_until");
        }

        public void Send(byte[] payload, uint typeId, TimeSpan? timeout = null)
        {
            fixed (byte* p = payload)
                Send(p, payload.Length, typeId, timeout);
        }

        /// <summary>Copies `payload` into the ring as one message; false when the ring is full now.</summary>
        public bool TrySend(byte[] payload, uint typeId)
        {
            int err;
            fixed (byte* p = payload)
                err = Native.tachyon_send(Handle, p, (UIntPtr)(ulong)payload.Length, typeId);
            if (err == (int)ErrorCode.Full)
                return false;
            if (err != 0)
                throw LastError("tachyon_send");
            return true;
        }

        /// <summary>Publishes every committed message now and wakes a sleeping consumer.</summary>
        public void Flush()
        {
            if (Native.tachyon_flush(Handle) != 0)
                throw LastError("tachyon_flush");
        }

        // ---- consumer ----

        /// <summary>The next message, waiting up to `timeout` (null: forever). Throws
        /// TachyonException.Timeout or .PeerGone (the producer is gone and everything was read).</summary>
        public RxGuard Receive(TimeSpan? timeout = null, uint spin = DefaultSpin)
        {
            return ReceiveUntil(Clock.After(timeout), spin);
        }

        public RxGuard ReceiveUntil(long deadlineNs, uint spin = DefaultSpin)
        {
            uint typeId;
            UIntPtr size;
            byte* p;
            while ((p = Native.tachyon_acquire_rx_until(Handle, out typeId, out size, spin, deadlineNs)) == null)
                if (!Interrupted())
                    throw LastError("tachyon_acquire_rx_until");
            rx.Reset(p, (int)(ulong)size, typeId);
            return rx;
        }

        /// <summary>The next message if one is there now; false when none is.</summary>
        public bool TryReceive(out RxGuard guard)
        {
            uint typeId;
            UIntPtr size;
            byte* p = Native.tachyon_acquire_rx(Handle, out typeId, out size);
            if (p == null)
            {
                guard = null;
                if (Native.tachyon_last_error(bus) == (int)ErrorCode.Empty)
                    return false;
                throw LastError("tachyon_acquire_rx");
            }
            rx.Reset(p, (int)(ulong)size, typeId);
            guard = rx;
            return true;
        }

        /// <summary>Every message until the producer is gone; each one is released when the loop
        /// moves on.</summary>
        public IEnumerable<RxGuard> Messages(uint spin = DefaultSpin)
        {
            for (;;)
            {
                RxGuard m;
                try
                {
                    m = Receive(null, spin);
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

        private NativeMsg* BatchStorage(int max)
        {
            if (batch.Length < max)
            {
                if (batchPin.IsAllocated)
                    batchPin.Free();
                batch = new NativeMsg[max];
                batchPin = System.Runtime.InteropServices.GCHandle.Alloc(batch, System.Runtime.InteropServices.GCHandleType.Pinned);
            }
            return (NativeMsg*)batchPin.AddrOfPinnedObject();
        }

        /// <summary>Up to `max` messages available now, without waiting (Count 0: none yet).
        /// Throws TachyonException.PeerGone once the producer is gone and everything was read.</summary>
        public Batch DrainBatch(int max = 64)
        {
            NativeMsg* msgs = BatchStorage(max);
            int n = (int)(ulong)Native.tachyon_drain_batch(Handle, msgs, (UIntPtr)(ulong)max);
            if (n == 0 && max > 0 && Native.tachyon_last_error(bus) != (int)ErrorCode.Empty)
                throw LastError("tachyon_drain_batch");
            return new Batch(this, msgs, n);
        }

        /// <summary>DrainBatch that first waits up to `timeout` (null: forever) for one message.</summary>
        public Batch DrainBatch(int max, TimeSpan? timeout, uint spin = DefaultSpin)
        {
            NativeMsg* msgs = BatchStorage(max);
            long deadline = Clock.After(timeout);
            int n;
            while ((n = (int)(ulong)Native.tachyon_drain_batch_until(Handle, msgs, (UIntPtr)(ulong)max, spin, deadline)) == 0)
                if (!Interrupted())
                    throw LastError("tachyon_drain_batch_until");
            return new Batch(this, msgs, n);
        }

        // ---- queries ----

        public Role Role { get { return (Role)Native.tachyon_bus_role(Handle); } }
        public long Capacity { get { return (long)(ulong)Native.tachyon_capacity(Handle); } }
        public int MaxMessageSize { get { return (int)(ulong)Native.tachyon_max_message_size(Handle); } }
        public ulong SchemaFingerprint { get { return Native.tachyon_schema_fingerprint(Handle); } }
        public bool PeerAlive { get { return Native.tachyon_peer_alive(Handle) != 0; } }

        public Stats Stats
        {
            get
            {
                Stats s;
                if (Native.tachyon_get_stats(Handle, out s) != 0)
                    throw LastError("tachyon_get_stats");
                return s;
            }
        }
    }
}
