package tachyon

/*
#cgo CFLAGS: -std=gnu11 -D_GNU_SOURCE -fvisibility=hidden -Wall -Wextra -Wshadow -Wstrict-prototypes -O2 -I${SRCDIR}/../include
#include <stdlib.h>
#include "tachyon.h"

// One cgo call per operation: the wrappers below fold the common pairs
// (send + flush, acquire + its out-parameters) into a single crossing.
// `block` 0: never wait; else wait until deadline_ns (CLOCK_MONOTONIC,
// tachyon_now_ns; < 0: none).

// Sends one message and publishes it.
static tachyon_error_t tgo_send(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id, int block,
                                int64_t deadline_ns)
{
    tachyon_error_t err = block ? tachyon_send_until(bus, data, size, type_id, deadline_ns)
                                : tachyon_send(bus, data, size, type_id);
    return err == TACHYON_OK ? tachyon_flush(bus) : err;
}

// Reserves room; NULL and *err on failure.
static void *tgo_acquire_tx(tachyon_bus_t *bus, size_t max_size, int block, int64_t deadline_ns, tachyon_error_t *err)
{
    void *p = block ? tachyon_acquire_tx_until(bus, max_size, deadline_ns) : tachyon_acquire_tx(bus, max_size);
    *err = p ? TACHYON_OK : tachyon_last_error(bus);
    return p;
}

typedef struct tgo_rx {
    const void *data;
    size_t size;
    uint32_t type_id;
    tachyon_error_t err;
} tgo_rx_t;

// Takes the next message.
static void tgo_acquire_rx(tachyon_bus_t *bus, uint32_t spin, int block, int64_t deadline_ns, tgo_rx_t *out)
{
    out->data = block ? tachyon_acquire_rx_until(bus, &out->type_id, &out->size, spin, deadline_ns)
                      : tachyon_acquire_rx(bus, &out->type_id, &out->size);
    out->err = out->data ? TACHYON_OK : tachyon_last_error(bus);
}

// Copies `count` records of `size` bytes into the ring as messages (without
// waiting), then publishes them. Returns how many went in; *err says why it
// stopped early (TACHYON_ERR_FULL: the ring is full for now).
static size_t tgo_send_records(tachyon_bus_t *bus, const unsigned char *records, size_t size,
                               const uint32_t *type_ids, size_t count, tachyon_error_t *err)
{
    size_t i;

    *err = TACHYON_OK;
    for (i = 0; i < count; i++) {
        tachyon_error_t e = tachyon_send(bus, records + i * size, size, type_ids[i]);
        if (e != TACHYON_OK) {
            *err = e;
            break;
        }
    }
    if (i > 0) {
        tachyon_error_t e = tachyon_flush(bus);
        if (*err == TACHYON_OK)
            *err = e;
    }
    return i;
}

static size_t tgo_drain(tachyon_bus_t *bus, tachyon_msg_t *msgs, size_t max, tachyon_error_t *err)
{
    size_t n = tachyon_drain_batch(bus, msgs, max);
    *err = n ? TACHYON_OK : tachyon_last_error(bus);
    return n;
}
*/
import "C"

import (
	"context"
	"math"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// DefaultSpin is how many times a blocking receive polls the ring before it
// sleeps on a futex (see WithSpin).
const DefaultSpin = 2000

// Role says which side of a bus this is.
type Role int

const (
	Consumer Role = C.TACHYON_ROLE_CONSUMER // the listener: receives
	Producer Role = C.TACHYON_ROLE_PRODUCER // the connector: sends
)

func (r Role) String() string {
	if r == Producer {
		return "producer"
	}
	return "consumer"
}

// Stats are one side's own counters.
type Stats struct {
	Messages   uint64 // committed (producer) or consumed (consumer)
	Bytes      uint64 // payload bytes of those messages
	Publishes  uint64 // producer: tail publications (batches)
	FullEvents uint64 // producer: times it found the ring full
	Sleeps     uint64 // futex sleeps of this side
	Wakes      uint64 // futex wakes this side issued to its peer
}

type options struct {
	c       C.tachyon_options_t
	spin    uint32
	timeout time.Duration
	timed   bool
}

// Option configures Listen and Connect.
type Option func(*options)

// WithFingerprint binds the bus to a schema fingerprint (a generated
// Fingerprint constant): peers whose fingerprints differ are refused during
// the handshake with ErrSchemaMismatch.
func WithFingerprint(fp uint64) Option {
	return func(o *options) { o.c.schema_fingerprint = C.uint64_t(fp) }
}

// WithTimeout bounds the handshake: how long Listen waits for a connector,
// and how long Connect waits for a listener to appear on the path plus the
// handshake (default: Listen waits forever, Connect 5 s). A negative
// duration means no deadline.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout, o.timed = d, true }
}

// WithAnyUID accepts connectors of any uid (default: only the listener's own).
func WithAnyUID() Option {
	return func(o *options) { o.c.flags |= C.TACHYON_OPT_ALLOW_ANY_UID }
}

// WithSpin sets how many times blocking receives poll before they sleep.
func WithSpin(n uint32) Option {
	return func(o *options) { o.spin = n }
}

type hold int

const (
	holdNone hold = iota
	holdTx
	holdRx
	holdBatch
)

// Bus is one side of a Tachyon bus. It is not safe for concurrent use.
type Bus struct {
	c    *C.tachyon_bus_t
	spin uint32
	hold hold
	// gen identifies the current Tx, Rx or Batch; it moves on at every
	// commit, so a stale handle is detected instead of touching the ring.
	gen uint64
	// Out-parameters of the C calls, kept here to avoid an allocation per call.
	rx   C.tgo_rx_t
	code C.tachyon_error_t
	// msgs is C memory for DrainBatch descriptors (msgCap entries).
	msgs   *C.tachyon_msg_t
	msgCap int
}

// cDeadline is the C deadline (CLOCK_MONOTONIC ns, as tachyon_now_ns) d
// from now; a d too long to represent is no deadline (-1).
func cDeadline(d time.Duration) int64 {
	now := int64(C.tachyon_now_ns())
	if d > 0 && now > math.MaxInt64-int64(d) {
		return -1
	}
	return now + max(int64(d), 0)
}

// open runs a listen or connect _until call (again, with the same deadline,
// when a signal interrupted it) and wraps the bus it made.
func open(f func(*C.tachyon_options_t, C.int64_t, **C.tachyon_bus_t, *C.tachyon_error_detail_t) C.tachyon_error_t,
	defaultTimeout time.Duration, opts []Option) (*Bus, error) {
	o := options{spin: DefaultSpin, timeout: defaultTimeout, timed: defaultTimeout >= 0}
	for _, opt := range opts {
		opt(&o)
	}
	deadline := int64(-1)
	if o.timed && o.timeout >= 0 {
		deadline = cDeadline(o.timeout)
	}
	var c *C.tachyon_bus_t
	var d C.tachyon_error_detail_t
	code := C.tachyon_error_t(C.TACHYON_ERR_INTERRUPTED)
	for code == C.TACHYON_ERR_INTERRUPTED {
		code = f(&o.c, C.int64_t(deadline), &c, &d)
	}
	if code != C.TACHYON_OK {
		return nil, failureOf(&d)
	}
	b := &Bus{c: c, spin: o.spin}
	runtime.SetFinalizer(b, (*Bus).Close)
	return b, nil
}

// Listen listens on path, waits for one connector and returns the consumer
// side of a new ring of capacity bytes (a power of two, 256 to 2^40).
// Connectors that send garbage, stall, or run under another uid are dropped
// and the wait goes on (bounded by WithTimeout).
func Listen(path string, capacity int, opts ...Option) (*Bus, error) {
	if capacity <= 0 {
		return nil, ErrInvalidArg
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return open(func(o *C.tachyon_options_t, deadline C.int64_t, out **C.tachyon_bus_t,
		d *C.tachyon_error_detail_t) C.tachyon_error_t {
		return C.tachyon_bus_listen_until(cpath, C.size_t(capacity), o, deadline, out, d)
	}, -1, opts)
}

// Connect connects to the listener on path and returns the producer side.
// While nobody listens there yet it keeps trying (every few ms) for up to
// the handshake timeout (5 s by default, WithTimeout), then fails with a
// *Failure whose Code is ErrNoListener and whose Waited says how long.
func Connect(path string, opts ...Option) (*Bus, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return open(func(o *C.tachyon_options_t, deadline C.int64_t, out **C.tachyon_bus_t,
		d *C.tachyon_error_detail_t) C.tachyon_error_t {
		return C.tachyon_bus_connect_until(cpath, o, deadline, out, d)
	}, time.Duration(C.TACHYON_CONNECT_DEFAULT_NS), opts)
}

// Close closes this side: a producer publishes what it committed first, and
// the peer sees ErrPeerGone once it has read everything. An uncommitted Tx
// is dropped. Close is idempotent.
func (b *Bus) Close() error {
	if b.c == nil {
		return nil
	}
	runtime.SetFinalizer(b, nil)
	C.tachyon_bus_destroy(b.c)
	b.c = nil
	b.hold = holdNone
	b.gen++
	if b.msgs != nil {
		C.free(unsafe.Pointer(b.msgs))
		b.msgs, b.msgCap = nil, 0
	}
	return nil
}

// begin claims the one handle slot of the bus.
func (b *Bus) begin(h hold) error {
	if b.c == nil {
		return ErrClosed
	}
	if b.hold != holdNone {
		return ErrState
	}
	b.hold = h
	return nil
}

// end releases the handle slot and invalidates the handle.
func (b *Bus) end() {
	b.hold = holdNone
	b.gen++
}

// fail returns the error of a failed call on the bus: the plain sentinel, or
// a *Failure with the numbers the C library kept (errno, sizes).
func (b *Bus) fail(code C.tachyon_error_t) error {
	if code != C.TACHYON_ERR_SYSTEM && code != C.TACHYON_ERR_TOO_LARGE {
		return errorOf(code)
	}
	var d C.tachyon_error_detail_t
	C.tachyon_last_error_detail(b.c, &d)
	return failureOf(&d)
}

// until runs a blocking C call on the bus with one deadline: timeout's (if
// timed) or ctx's, the earlier (see wait).
func (b *Bus) until(ctx context.Context, timeout time.Duration, timed bool,
	call func(deadline C.int64_t) C.tachyon_error_t) (C.tachyon_error_t, error) {
	deadline := int64(-1)
	if timed {
		deadline = cDeadline(timeout)
	}
	c := b.c
	return wait(ctx, deadline, func() { C.tachyon_bus_interrupt(c) }, call)
}

// wait runs a blocking C call once with one deadline: `deadline` (-1: none)
// or ctx's, the earlier. The call waits in C; ctx being cancelled interrupts
// the C wait through `interrupt` (the object's tachyon_*_interrupt, safe from
// any goroutine) and a signal may too: either makes it return INTERRUPTED,
// after which it runs again with the same deadline unless ctx is done.
// Returns the C code, or ctx's error.
func wait(ctx context.Context, deadline int64, interrupt func(),
	call func(deadline C.int64_t) C.tachyon_error_t) (C.tachyon_error_t, error) {
	fromCtx := false
	if d, ok := ctx.Deadline(); ok {
		if cd := cDeadline(time.Until(d)); deadline < 0 || cd < deadline {
			deadline, fromCtx = cd, true
		}
	}
	if ctx.Done() != nil {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() { interrupt(); close(fired) })
		// The object must outlive the interrupt: wait for one that started.
		defer func() {
			if !stop() {
				<-fired
			}
		}()
	}
	for {
		code := call(C.int64_t(deadline))
		if code == C.TACHYON_ERR_INTERRUPTED {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			continue
		}
		if code == C.TACHYON_ERR_TIMEOUT && fromCtx {
			return 0, context.DeadlineExceeded
		}
		return code, nil
	}
}

// ---- the inline hot path ---------------------------------------------------
//
// tachyon.h's inline functions, mirrored in Go over C.tachyon_bus_hot_t (the
// documented first bytes of every bus, ABI.md "The inline hot path"): the
// same checks, the same frame writes and publication rule, and every other
// case (a wrap, a ring that looks full or empty, a wake to deliver, an
// error) handed to the library's tachyon_hot1_* function, which does what the
// public function does from there. A reservation, commit, receive or
// release that takes the common case makes no cgo call.
//
// The hot fields are plain C memory that only this bus's goroutine touches
// (a Bus is not safe for concurrent use), between cgo calls that also write
// them. The shared ring follows ABI.md section 2: the frame's size and type
// are written with plain stores and the stamp last with an atomic store
// (sequentially consistent, so at least the release the consumer's acquire
// load of the stamp pairs with; Go's compiler does not move memory
// operations across it, and the payload written through Tx.Bytes comes
// before it too); the consumer loads the stamp atomically before it reads
// the header and payload; releasing a message swaps head (sequentially
// consistent) and then loads producer_sleeping (the Dekker pair of
// tachyon.h's commit). Every word is naturally aligned (frames start on
// TACHYON_FRAME_ALIGN).

func (b *Bus) hot() *C.tachyon_bus_hot_t { return (*C.tachyon_bus_hot_t)(unsafe.Pointer(b.c)) }

// frameLen is TACHYON_FRAME_LEN_: the ring bytes of a frame with size payload
// bytes (it wraps for a size near 2^64, which is only used once the size is
// known to be at most max_message).
func frameLen(size uint64) uint64 {
	const align = C.TACHYON_FRAME_ALIGN
	return (size + C.TACHYON_FRAME_HEADER + align - 1) &^ (align - 1)
}

// hotAcquireTx reserves a frame at wpos if it fits before the ring end in the
// space known to be free; nil when the library must decide.
func (b *Bus) hotAcquireTx(size uint64) unsafe.Pointer {
	h := b.hot()
	wpos := uint64(h.wpos)
	idx := wpos & uint64(h.mask)
	n := frameLen(size)
	if h.reserving != 0 || size > uint64(h.max_message) || idx+n > uint64(h.capacity) ||
		uint64(h.capacity)-(wpos-uint64(h.cached_head)) < n {
		return nil
	}
	h.reserving = 1
	h.res_frame = C.uint64_t(wpos)
	h.res_max = C.uint64_t(size)
	return unsafe.Add(unsafe.Pointer(h.ring), idx+C.TACHYON_FRAME_HEADER)
}

// commitTx is tachyon_commit_tx: inline for a reservation at wpos.
func (b *Bus) commitTx(size uint64, typeID uint32) C.tachyon_error_t {
	h := b.hot()
	// A reservation at the next lap (2) needs a wrap marker first.
	if h.reserving != 1 || size > uint64(h.res_max) {
		return C.tachyon_hot1_commit_tx(b.c, C.size_t(size), C.uint32_t(typeID))
	}
	frame := uint64(h.wpos) // == res_frame for a reservation of kind 1
	f := unsafe.Add(unsafe.Pointer(h.ring), frame&uint64(h.mask))
	*(*uint32)(f) = uint32(size)
	*(*uint32)(unsafe.Add(f, 4)) = typeID
	atomic.StoreUint64((*uint64)(unsafe.Add(f, 8)), frame^C.TACHYON_STAMP_MSG_)
	h.wpos = C.uint64_t(frame + frameLen(size))
	h.reserving = 0
	h.stats.messages++
	h.stats.bytes += C.uint64_t(size)
	if h.pending++; h.pending >= C.TACHYON_BATCH {
		return C.tachyon_hot1_publish(b.c)
	}
	return C.TACHYON_OK
}

// hotAcquireRx takes the message at rpos if it lies below the last validated
// tail and passes tachyon.h's checks; false when the library must decide
// (the tail, a wrap marker, a frame it reports as corrupt).
func (b *Bus) hotAcquireRx() (data unsafe.Pointer, size uint64, typeID uint32, ok bool) {
	h := b.hot()
	p := uint64(h.rpos)
	if h.hold != 0 || p == uint64(h.limit) {
		return nil, 0, 0, false
	}
	idx := p & uint64(h.mask)
	f := unsafe.Add(unsafe.Pointer(h.ring), idx)
	if atomic.LoadUint64((*uint64)(unsafe.Add(f, 8))) != p^C.TACHYON_STAMP_MSG_ {
		return nil, 0, 0, false
	}
	size = uint64(atomic.LoadUint32((*uint32)(f))) // read once, then checked
	n := frameLen(size)
	if size > uint64(h.max_message) || idx+n > uint64(h.capacity) || n > uint64(h.limit)-p {
		return nil, 0, 0, false
	}
	h.hold = 1
	h.held_end = C.uint64_t(p + n)
	h.held_bytes = C.uint64_t(size)
	typeID = atomic.LoadUint32((*uint32)(unsafe.Add(f, 4)))
	return unsafe.Add(f, C.TACHYON_FRAME_HEADER), size, typeID, true
}

// commitRx is tachyon_commit_rx: inline for one held message.
func (b *Bus) commitRx() C.tachyon_error_t {
	h := b.hot()
	if h.hold != 1 {
		return C.tachyon_hot1_commit_rx(b.c)
	}
	rpos := h.held_end
	h.rpos = rpos
	h.hold = 0
	h.stats.messages++
	h.stats.bytes += h.held_bytes
	// Release the space at once (ABI.md, consumer rule 3).
	atomic.SwapUint64((*uint64)(unsafe.Add(h.shm, C.TACHYON_SEG_HEAD_)), uint64(rpos))
	if atomic.LoadUint32((*uint32)(unsafe.Add(h.shm, C.TACHYON_SEG_PRODUCER_SLEEPING_))) != 0 {
		return C.tachyon_hot1_release_wake(b.c)
	}
	return C.TACHYON_OK
}

// ---- producer -------------------------------------------------------------

var emptyPayload [1]byte

func payloadPtr(data []byte) unsafe.Pointer {
	if len(data) == 0 {
		return unsafe.Pointer(&emptyPayload[0])
	}
	return unsafe.Pointer(unsafe.SliceData(data))
}

// Send copies data into the ring as one message and publishes it at once,
// waiting while the ring is full until ctx is done (its error is returned)
// or the consumer goes away (ErrPeerGone).
func (b *Bus) Send(ctx context.Context, data []byte, typeID uint32) error {
	return b.send(ctx, data, typeID, 0, false)
}

func (b *Bus) send(ctx context.Context, data []byte, typeID uint32, timeout time.Duration, timed bool) error {
	if b.c == nil {
		return ErrClosed
	}
	p, n := payloadPtr(data), C.size_t(len(data))
	code := C.tgo_send(b.c, p, n, C.uint32_t(typeID), 0, 0)
	if code == C.TACHYON_ERR_FULL {
		var err error
		code, err = b.until(ctx, timeout, timed, func(deadline C.int64_t) C.tachyon_error_t {
			return C.tgo_send(b.c, p, n, C.uint32_t(typeID), 1, deadline)
		})
		if err != nil {
			return err
		}
	}
	runtime.KeepAlive(data)
	return b.fail(code)
}

// SendTimeout is Send with a deadline: ErrTimeout after timeout.
func (b *Bus) SendTimeout(data []byte, typeID uint32, timeout time.Duration) error {
	return b.send(context.Background(), data, typeID, timeout, true)
}

// TrySend is Send that never waits: ErrFull when there is no room.
func (b *Bus) TrySend(data []byte, typeID uint32) error {
	if b.c == nil {
		return ErrClosed
	}
	return b.fail(C.tgo_send(b.c, payloadPtr(data), C.size_t(len(data)), C.uint32_t(typeID), 0, 0))
}

// Flush publishes every committed message now and wakes a sleeping consumer.
func (b *Bus) Flush() error {
	if b.c == nil {
		return ErrClosed
	}
	return errorOf(C.tachyon_flush(b.c))
}

// SendBatch sends len(typeIDs) messages of recordSize bytes each, taken in
// order from records (record i is records[i*recordSize:(i+1)*recordSize],
// with type id typeIDs[i]), and publishes them: one cgo crossing per ring's
// worth of messages instead of one per message. It waits for room like Send
// and returns how many messages were sent before an error.
func (b *Bus) SendBatch(ctx context.Context, records []byte, recordSize int, typeIDs []uint32) (int, error) {
	if b.c == nil {
		return 0, ErrClosed
	}
	count := len(typeIDs)
	if recordSize < 0 || count*recordSize > len(records) {
		return 0, ErrInvalidArg
	}
	if count == 0 {
		return 0, nil
	}
	sent := 0
	for sent < count {
		var base unsafe.Pointer = unsafe.Pointer(&emptyPayload[0])
		if recordSize > 0 {
			base = unsafe.Pointer(&records[sent*recordSize])
		}
		n := int(C.tgo_send_records(b.c, (*C.uchar)(base), C.size_t(recordSize),
			(*C.uint32_t)(unsafe.Pointer(&typeIDs[sent])), C.size_t(count-sent), &b.code))
		sent += n
		if b.code == C.TACHYON_OK {
			continue
		}
		if b.code != C.TACHYON_ERR_FULL {
			return sent, b.fail(b.code)
		}
		// Full: wait for room by sending the next record the blocking way.
		if err := b.Send(ctx, records[sent*recordSize:(sent+1)*recordSize], typeIDs[sent]); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// Tx is a reserved message being written in place (AcquireTx). It is a small
// value; copies share the reservation, and all of them go stale at Commit or
// Rollback.
type Tx struct {
	b   *Bus
	gen uint64
	// The reserved bytes, as a pointer and a length rather than a slice: four
	// words, so that the compiler keeps a Tx in registers instead of copying
	// it through the stack (which stalled on the ring's pending stores).
	p unsafe.Pointer
	n int
}

// AcquireTx reserves room for a message of up to maxSize bytes, waiting while
// the ring is full until ctx is done or the consumer goes away. Write the
// message into Tx.Bytes, then Commit (or Rollback). Only one Tx, Rx or Batch
// may be outstanding per bus.
func (b *Bus) AcquireTx(ctx context.Context, maxSize int) (Tx, error) {
	return b.acquireTx(ctx, maxSize, true)
}

// TryAcquireTx is AcquireTx that never waits: ErrFull when there is no room.
func (b *Bus) TryAcquireTx(maxSize int) (Tx, error) {
	return b.acquireTx(context.Background(), maxSize, false)
}

func (b *Bus) acquireTx(ctx context.Context, maxSize int, block bool) (Tx, error) {
	if maxSize < 0 {
		return Tx{}, ErrInvalidArg
	}
	if err := b.begin(holdTx); err != nil {
		return Tx{}, err
	}
	if p := b.hotAcquireTx(uint64(maxSize)); p != nil {
		return Tx{b: b, gen: b.gen, p: p, n: maxSize}, nil
	}
	return b.acquireTxSlow(ctx, maxSize, block)
}

// acquireTxSlow is acquireTx once the inline path did not apply: the library
// decides, and a full ring is waited for (the deadline is taken only now).
func (b *Bus) acquireTxSlow(ctx context.Context, maxSize int, block bool) (Tx, error) {
	p := C.tgo_acquire_tx(b.c, C.size_t(maxSize), 0, 0, &b.code)
	if p == nil && b.code == C.TACHYON_ERR_FULL && block {
		code, err := b.until(ctx, 0, false, func(deadline C.int64_t) C.tachyon_error_t {
			p = C.tgo_acquire_tx(b.c, C.size_t(maxSize), 1, deadline, &b.code)
			return b.code
		})
		if err != nil {
			b.hold = holdNone
			return Tx{}, err
		}
		b.code = code
	}
	if p == nil {
		b.hold = holdNone
		return Tx{}, b.fail(b.code)
	}
	return Tx{b: b, gen: b.gen, p: p, n: maxSize}, nil
}

func (t Tx) live() bool {
	return t.b != nil && t.b.c != nil && t.b.hold == holdTx && t.b.gen == t.gen
}

// Bytes returns the reserved bytes to write in place, or nil once the Tx was
// committed or rolled back.
func (t Tx) Bytes() []byte {
	if !t.live() {
		return nil
	}
	return unsafe.Slice((*byte)(t.p), t.n)
}

// Commit hands the first size bytes over as a message of type typeID. It is
// published with the next batch of 32, on Flush, or on Close.
func (t Tx) Commit(size int, typeID uint32) error {
	if !t.live() {
		return ErrState
	}
	if size < 0 || size > t.n {
		return ErrInvalidArg
	}
	err := errorOf(t.b.commitTx(uint64(size), typeID))
	if err == nil {
		t.b.end()
	}
	return err
}

// Rollback abandons the reservation; nothing is sent.
func (t Tx) Rollback() error {
	if !t.live() {
		return ErrState
	}
	err := errorOf(C.tachyon_rollback_tx(t.b.c))
	t.b.end()
	return err
}

// ---- consumer -------------------------------------------------------------

// Rx is a received message, in place in the ring (AcquireRx). Its bytes are
// valid until Commit; after it Data returns nil.
type Rx struct {
	b      *Bus
	gen    uint64
	data   unsafe.Pointer
	size   int
	typeID uint32
}

// AcquireRx waits for the next message until ctx is done (its error is
// returned) or the producer is gone and everything it committed was
// delivered (ErrPeerGone). Prefer Recv, which commits for you.
func (b *Bus) AcquireRx(ctx context.Context) (Rx, error) {
	return b.acquireRx(ctx, 0, false, true)
}

// AcquireRxTimeout is AcquireRx with a deadline: ErrTimeout after timeout.
func (b *Bus) AcquireRxTimeout(timeout time.Duration) (Rx, error) {
	return b.acquireRx(context.Background(), timeout, true, true)
}

// TryAcquireRx returns the next message if one is published, else ErrEmpty
// (or ErrPeerGone). It never blocks and makes no system call.
func (b *Bus) TryAcquireRx() (Rx, error) {
	return b.acquireRx(context.Background(), 0, false, false)
}

func (b *Bus) acquireRx(ctx context.Context, timeout time.Duration, timed, block bool) (Rx, error) {
	if err := b.begin(holdRx); err != nil {
		return Rx{}, err
	}
	if data, size, typeID, ok := b.hotAcquireRx(); ok {
		return Rx{b: b, gen: b.gen, data: data, size: int(size), typeID: typeID}, nil
	}
	C.tgo_acquire_rx(b.c, 0, 0, 0, &b.rx)
	if b.rx.data == nil && b.rx.err == C.TACHYON_ERR_EMPTY && block {
		_, err := b.until(ctx, timeout, timed, func(deadline C.int64_t) C.tachyon_error_t {
			C.tgo_acquire_rx(b.c, C.uint32_t(b.spin), 1, deadline, &b.rx)
			return b.rx.err
		})
		if err != nil {
			b.hold = holdNone
			return Rx{}, err
		}
	}
	if b.rx.data == nil {
		b.hold = holdNone
		return Rx{}, b.fail(b.rx.err)
	}
	return Rx{b: b, gen: b.gen, data: unsafe.Pointer(b.rx.data), size: int(b.rx.size), typeID: uint32(b.rx.type_id)}, nil
}

func (r Rx) live() bool {
	return r.b != nil && r.b.c != nil && r.b.hold == holdRx && r.b.gen == r.gen
}

// Data returns the payload in place, or nil once the message was committed.
// Do not keep the slice past Commit.
func (r Rx) Data() []byte {
	if !r.live() {
		return nil
	}
	return unsafe.Slice((*byte)(r.data), r.size)
}

// TypeID returns the message's type id.
func (r Rx) TypeID() uint32 { return r.typeID }

// Size returns the payload length in bytes.
func (r Rx) Size() int { return r.size }

// Commit releases the message: the producer may reuse its bytes at once.
func (r Rx) Commit() error {
	if !r.live() {
		return ErrState
	}
	err := errorOf(r.b.commitRx())
	r.b.end()
	return err
}

// Recv waits for the next message (as AcquireRx), calls fn with its type id
// and payload in place, and commits it when fn returns (or panics). The
// slice must not be kept after fn returns. Recv returns fn's error, or the
// wait's (ErrPeerGone at the end of the stream, ctx's error).
func (b *Bus) Recv(ctx context.Context, fn func(typeID uint32, data []byte) error) error {
	rx, err := b.AcquireRx(ctx)
	if err != nil {
		return err
	}
	return rx.deliver(fn)
}

// deliver calls fn with the message in place and commits it afterwards, even
// if fn panics; fn's error comes first.
func (r Rx) deliver(fn func(typeID uint32, data []byte) error) (err error) {
	defer func() {
		if cerr := r.Commit(); err == nil {
			err = cerr
		}
	}()
	return fn(r.typeID, unsafe.Slice((*byte)(r.data), r.size))
}

// Batch is a set of messages taken at once by DrainBatch, released together
// by Commit. Its payloads are valid until Commit; after it Data returns nil.
type Batch struct {
	b   *Bus
	gen uint64
	n   int
}

// DrainBatch takes up to max messages that are published now, without
// waiting. An empty Batch means nothing was there; ErrPeerGone means the
// producer is gone and everything was read.
func (b *Bus) DrainBatch(max int) (Batch, error) {
	if max <= 0 {
		return Batch{}, ErrInvalidArg
	}
	if err := b.begin(holdBatch); err != nil {
		return Batch{}, err
	}
	if max > b.msgCap {
		C.free(unsafe.Pointer(b.msgs))
		b.msgs = (*C.tachyon_msg_t)(C.calloc(C.size_t(max), C.size_t(unsafe.Sizeof(C.tachyon_msg_t{}))))
		if b.msgs == nil {
			b.msgCap = 0
			b.hold = holdNone
			return Batch{}, ErrNoMemory
		}
		b.msgCap = max
	}
	n := int(C.tgo_drain(b.c, b.msgs, C.size_t(max), &b.code))
	if n == 0 {
		b.hold = holdNone
		if b.code == C.TACHYON_ERR_EMPTY {
			return Batch{}, nil
		}
		return Batch{}, b.fail(b.code)
	}
	return Batch{b: b, gen: b.gen, n: n}, nil
}

func (bt Batch) live() bool {
	return bt.b != nil && bt.b.c != nil && bt.b.hold == holdBatch && bt.b.gen == bt.gen
}

// Len returns how many messages the batch holds.
func (bt Batch) Len() int { return bt.n }

func (bt Batch) msg(i int) *C.tachyon_msg_t {
	if !bt.live() || i < 0 || i >= bt.n {
		return nil
	}
	return (*C.tachyon_msg_t)(unsafe.Add(unsafe.Pointer(bt.b.msgs), uintptr(i)*unsafe.Sizeof(C.tachyon_msg_t{})))
}

// TypeID returns the type id of message i (0 if out of range or committed).
func (bt Batch) TypeID(i int) uint32 {
	if m := bt.msg(i); m != nil {
		return uint32(m.type_id)
	}
	return 0
}

// Data returns the payload of message i in place, or nil if i is out of
// range or the batch was committed.
func (bt Batch) Data(i int) []byte {
	m := bt.msg(i)
	if m == nil {
		return nil
	}
	return unsafe.Slice((*byte)(m.data), int(m.size))
}

// Commit releases every message of the batch with one head update. An empty
// batch commits trivially.
func (bt Batch) Commit() error {
	if bt.n == 0 {
		return nil
	}
	if !bt.live() {
		return ErrState
	}
	err := errorOf(C.tachyon_commit_rx_batch(bt.b.c, C.size_t(bt.n)))
	bt.b.end()
	return err
}

// RecvBatch waits (as AcquireRx) for at least one message, then calls fn for
// it and for up to max-1 more that are already published, committing them
// once fn has seen them. It returns how many messages fn saw and the first
// error (fn's, or the wait's).
func (b *Bus) RecvBatch(ctx context.Context, max int, fn func(typeID uint32, data []byte) error) (int, error) {
	if max <= 0 {
		return 0, ErrInvalidArg
	}
	rx, err := b.AcquireRx(ctx)
	if err != nil {
		return 0, err
	}
	if err := rx.deliver(fn); err != nil || max == 1 {
		return 1, err
	}
	bt, err := b.DrainBatch(max - 1)
	if err != nil {
		if err == ErrPeerGone {
			err = nil // the next call reports it; this call delivered a message
		}
		return 1, err
	}
	defer bt.Commit()
	for i := 0; i < bt.n; i++ {
		if err := fn(bt.TypeID(i), bt.Data(i)); err != nil {
			return i + 2, err
		}
	}
	return bt.n + 1, nil
}

// ---- queries --------------------------------------------------------------

// Role returns Consumer for a listener, Producer for a connector.
func (b *Bus) Role() Role {
	if b.c == nil {
		return Consumer
	}
	return Role(C.tachyon_bus_role(b.c))
}

// Capacity returns the ring capacity in bytes (0 after Close).
func (b *Bus) Capacity() int {
	if b.c == nil {
		return 0
	}
	return int(C.tachyon_capacity(b.c))
}

// MaxMessageSize returns the largest payload one message may have.
func (b *Bus) MaxMessageSize() int {
	if b.c == nil {
		return 0
	}
	return int(C.tachyon_max_message_size(b.c))
}

// Fingerprint returns the schema fingerprint the bus is bound to (0: none).
func (b *Bus) Fingerprint() uint64 {
	if b.c == nil {
		return 0
	}
	return uint64(C.tachyon_schema_fingerprint(b.c))
}

// PeerAlive reports whether the peer is attached and alive. It makes a
// system call; keep it off the hot path.
func (b *Bus) PeerAlive() bool {
	return b.c != nil && C.tachyon_peer_alive(b.c) != 0
}

// Stats returns this side's counters.
func (b *Bus) Stats() Stats {
	var s C.tachyon_stats_t
	if b.c != nil {
		C.tachyon_get_stats(b.c, &s)
	}
	return Stats{
		Messages:   uint64(s.messages),
		Bytes:      uint64(s.bytes),
		Publishes:  uint64(s.publishes),
		FullEvents: uint64(s.full_events),
		Sleeps:     uint64(s.sleeps),
		Wakes:      uint64(s.wakes),
	}
}
