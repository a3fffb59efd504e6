package tachyon

/*
#include <stdlib.h>
#include "tachyon.h"

typedef struct tgo_msg {
    const void *data;
    size_t size;
    uint32_t type_id;
    tachyon_error_t err;
    tachyon_sender_t from;
} tgo_msg_t;

// One crossing per receive: the message and, on failure, why.
static void tgo_sub_acquire(tachyon_sub_t *sub, int block, int64_t deadline_ns, tgo_msg_t *out)
{
    out->data = block ? tachyon_sub_acquire_rx_until(sub, &out->type_id, &out->size, deadline_ns)
                      : tachyon_sub_acquire_rx(sub, &out->type_id, &out->size);
    out->err = out->data ? TACHYON_OK : tachyon_sub_last_error(sub);
}

static void tgo_fanin_acquire(tachyon_fanin_t *fi, int block, int64_t deadline_ns, tgo_msg_t *out)
{
    out->data = block ? tachyon_fanin_acquire_rx_until(fi, &out->type_id, &out->size, &out->from, deadline_ns)
                      : tachyon_fanin_acquire_rx(fi, &out->type_id, &out->size, &out->from);
    out->err = out->data ? TACHYON_OK : tachyon_fanin_last_error(fi);
}
*/
import "C"

import (
	"context"
	"runtime"
	"time"
	"unsafe"
)

// LagPolicy says what a FanOut does with a subscriber that falls behind.
type LagPolicy int

const (
	// LagBlock makes the producer wait for the slowest subscriber.
	LagBlock LagPolicy = iota
	// LagDrop drops the subscriber that holds back the room the producer
	// needs: it gets ErrLagged and may Rejoin.
	LagDrop
)

// Join says where a subscriber starts reading.
type Join int

const (
	// JoinNewest starts at the next message published.
	JoinNewest Join = iota
	// JoinOldest starts at the oldest message still in the ring.
	JoinOldest
)

// MaxMembers is how many subscribers, producers or wait-set members one
// fan-out, fan-in or wait-set holds.
const MaxMembers = C.TACHYON_MAX_MEMBERS

func collect(opts []Option) options {
	o := options{spin: DefaultSpin}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// ---- fan-out ------------------------------------------------------------------

// FanOut is the producer of a fan-out: each message is written once and read
// in place by every subscriber. It is not safe for concurrent use.
type FanOut struct {
	c *C.tachyon_fanout_t
}

// ListenFanOut creates a fan-out ring of capacity bytes on path and returns
// at once; subscribers join from then on (Subscribe). Options:
// WithFingerprint, WithAnyUID.
func ListenFanOut(path string, capacity int, policy LagPolicy, opts ...Option) (*FanOut, error) {
	if capacity <= 0 || (policy != LagBlock && policy != LagDrop) {
		return nil, ErrInvalidArg
	}
	o := collect(opts)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var c *C.tachyon_fanout_t
	if code := C.tachyon_fanout_listen(cpath, C.size_t(capacity), C.tachyon_lag_policy_t(policy), &o.c, &c); code != C.TACHYON_OK {
		return nil, errorOf(code)
	}
	p := &FanOut{c: c}
	runtime.SetFinalizer(p, (*FanOut).Close)
	return p, nil
}

// Send publishes one message to every subscriber, waiting for room (under
// LagBlock) until ctx is done.
func (p *FanOut) Send(ctx context.Context, data []byte, typeID uint32) error {
	if p.c == nil {
		return ErrClosed
	}
	c := p.c
	code, err := wait(ctx, -1, func() { C.tachyon_fanout_interrupt(c) }, func(deadline C.int64_t) C.tachyon_error_t {
		return C.tachyon_fanout_send_until(p.c, payloadPtr(data), C.size_t(len(data)), C.uint32_t(typeID), deadline)
	})
	if err != nil {
		return err
	}
	return p.fail(code, len(data))
}

// TrySend publishes one message if there is room now (else ErrFull).
func (p *FanOut) TrySend(data []byte, typeID uint32) error {
	if p.c == nil {
		return ErrClosed
	}
	return p.fail(C.tachyon_fanout_send_until(p.c, payloadPtr(data), C.size_t(len(data)), C.uint32_t(typeID), 0),
		len(data))
}

func (p *FanOut) fail(code C.tachyon_error_t, size int) error {
	if code == C.TACHYON_ERR_TOO_LARGE {
		return &Failure{Code: ErrTooLarge, Size: size, Max: int(C.tachyon_fanout_max_message_size(p.c))}
	}
	return errorOf(code)
}

// Subscribers is how many subscribers are attached now.
func (p *FanOut) Subscribers() int {
	if p.c == nil {
		return 0
	}
	return int(C.tachyon_fanout_subscribers(p.c))
}

// Close closes the producer: subscribers read what was sent, then get
// ErrPeerGone. Idempotent.
func (p *FanOut) Close() error {
	if p.c != nil {
		runtime.SetFinalizer(p, nil)
		C.tachyon_fanout_destroy(p.c)
		p.c = nil
	}
	return nil
}

// Subscriber is one subscriber of a fan-out. It is not safe for concurrent
// use.
type Subscriber struct {
	c   *C.tachyon_sub_t
	out C.tgo_msg_t
}

// Subscribe joins the fan-out on path, waiting for it to listen up to the
// handshake timeout (5 s by default, WithTimeout). Options: WithFingerprint,
// WithTimeout.
func Subscribe(path string, join Join, opts ...Option) (*Subscriber, error) {
	o := options{spin: DefaultSpin, timeout: time.Duration(C.TACHYON_CONNECT_DEFAULT_NS), timed: true}
	for _, opt := range opts {
		opt(&o)
	}
	deadline := int64(-1)
	if o.timed && o.timeout >= 0 {
		deadline = cDeadline(o.timeout)
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var c *C.tachyon_sub_t
	var d C.tachyon_error_detail_t
	code := C.tachyon_error_t(C.TACHYON_ERR_INTERRUPTED)
	for code == C.TACHYON_ERR_INTERRUPTED {
		code = C.tachyon_sub_connect_until(cpath, &o.c, C.uint32_t(join), C.int64_t(deadline), &c, &d)
	}
	if code != C.TACHYON_OK {
		return nil, failureOf(&d)
	}
	s := &Subscriber{c: c}
	runtime.SetFinalizer(s, (*Subscriber).Close)
	return s, nil
}

// Recv waits for the next message until ctx is done, calls fn with it in
// place and releases it when fn returns. If this subscriber was dropped
// while fn read it (LagDrop), Recv returns ErrLagged and what fn saw must be
// discarded. At the end of the stream: ErrPeerGone. The slice must not be
// kept after fn returns.
func (s *Subscriber) Recv(ctx context.Context, fn func(typeID uint32, data []byte) error) error {
	if s.c == nil {
		return ErrClosed
	}
	c := s.c
	code, err := wait(ctx, -1, func() { C.tachyon_sub_interrupt(c) }, func(deadline C.int64_t) C.tachyon_error_t {
		C.tgo_sub_acquire(s.c, 1, deadline, &s.out)
		return s.out.err
	})
	if err != nil {
		return err
	}
	return s.deliver(code, fn)
}

// TryRecv is Recv without waiting: ErrEmpty when nothing is there.
func (s *Subscriber) TryRecv(fn func(typeID uint32, data []byte) error) error {
	if s.c == nil {
		return ErrClosed
	}
	C.tgo_sub_acquire(s.c, 0, 0, &s.out)
	return s.deliver(s.out.err, fn)
}

func (s *Subscriber) deliver(code C.tachyon_error_t, fn func(typeID uint32, data []byte) error) (err error) {
	if code != C.TACHYON_OK {
		return errorOf(code)
	}
	defer func() {
		if cerr := errorOf(C.tachyon_sub_commit_rx(s.c)); cerr != nil {
			err = cerr // Lagged: what fn saw may be torn, whatever fn said
		}
	}()
	return fn(uint32(s.out.type_id), unsafe.Slice((*byte)(s.out.data), int(s.out.size)))
}

// Rejoin takes this subscriber's place back after ErrLagged.
func (s *Subscriber) Rejoin(join Join) error {
	if s.c == nil {
		return ErrClosed
	}
	return errorOf(C.tachyon_sub_rejoin(s.c, C.uint32_t(join)))
}

// Close leaves the fan-out (the producer no longer waits for it). Idempotent.
func (s *Subscriber) Close() error {
	if s.c != nil {
		runtime.SetFinalizer(s, nil)
		C.tachyon_sub_destroy(s.c)
		s.c = nil
	}
	return nil
}

// ---- fan-in -------------------------------------------------------------------

// Sender says who sent a fan-in message.
type Sender struct {
	ID  uint64 // numbers producers from 1 in the order they joined; never reused
	PID int    // the producer's process
}

// FanIn is the consumer of a fan-in: producers connect with Connect, exactly
// as to a Bus, and it takes one message per producer in turn. It is not safe
// for concurrent use.
type FanIn struct {
	c   *C.tachyon_fanin_t
	out C.tgo_msg_t
}

// ListenFanIn binds path and returns at once; each producer that connects
// gets a ring of capacity bytes. Options: WithFingerprint, WithAnyUID.
func ListenFanIn(path string, capacity int, opts ...Option) (*FanIn, error) {
	if capacity <= 0 {
		return nil, ErrInvalidArg
	}
	o := collect(opts)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var c *C.tachyon_fanin_t
	if code := C.tachyon_fanin_listen(cpath, C.size_t(capacity), &o.c, &c); code != C.TACHYON_OK {
		return nil, errorOf(code)
	}
	f := &FanIn{c: c}
	runtime.SetFinalizer(f, (*FanIn).Close)
	return f, nil
}

// Recv waits for the next message until ctx is done, calls fn with its
// sender and the payload in place, and releases it when fn returns.
func (f *FanIn) Recv(ctx context.Context, fn func(from Sender, typeID uint32, data []byte) error) error {
	if f.c == nil {
		return ErrClosed
	}
	c := f.c
	code, err := wait(ctx, -1, func() { C.tachyon_fanin_interrupt(c) }, func(deadline C.int64_t) C.tachyon_error_t {
		C.tgo_fanin_acquire(f.c, 1, deadline, &f.out)
		return f.out.err
	})
	if err != nil {
		return err
	}
	return f.deliver(code, fn)
}

// TryRecv is Recv without waiting: ErrEmpty when no producer has a message.
func (f *FanIn) TryRecv(fn func(from Sender, typeID uint32, data []byte) error) error {
	if f.c == nil {
		return ErrClosed
	}
	C.tgo_fanin_acquire(f.c, 0, 0, &f.out)
	return f.deliver(f.out.err, fn)
}

func (f *FanIn) deliver(code C.tachyon_error_t, fn func(Sender, uint32, []byte) error) (err error) {
	if code != C.TACHYON_OK {
		return errorOf(code)
	}
	defer func() {
		if cerr := errorOf(C.tachyon_fanin_commit_rx(f.c)); err == nil {
			err = cerr
		}
	}()
	from := Sender{ID: uint64(f.out.from.id), PID: int(f.out.from.pid)}
	return fn(from, uint32(f.out.type_id), unsafe.Slice((*byte)(f.out.data), int(f.out.size)))
}

// Producers is how many producers are attached now.
func (f *FanIn) Producers() int {
	if f.c == nil {
		return 0
	}
	return int(C.tachyon_fanin_producers(f.c))
}

// Close stops accepting producers and closes their rings. Idempotent.
func (f *FanIn) Close() error {
	if f.c != nil {
		runtime.SetFinalizer(f, nil)
		C.tachyon_fanin_destroy(f.c)
		f.c = nil
	}
	return nil
}

// ---- wait-sets ------------------------------------------------------------------

// WaitSet lets one goroutine wait on many consumers: Bus consumer sides,
// Subscribers and FanIns (keep them open while they are in the set). Fd gives
// a readiness fd for event loops. It is not safe for concurrent use.
type WaitSet struct {
	c       *C.tachyon_waitset_t
	keys    [MaxMembers]C.uint64_t
	members map[uint64]any // keeps the members reachable while they are in the set
}

// NewWaitSet returns an empty wait-set.
func NewWaitSet() (*WaitSet, error) {
	var c *C.tachyon_waitset_t
	if code := C.tachyon_waitset_new(&c); code != C.TACHYON_OK {
		return nil, errorOf(code)
	}
	w := &WaitSet{c: c, members: map[uint64]any{}}
	runtime.SetFinalizer(w, (*WaitSet).Close)
	return w, nil
}

func (w *WaitSet) added(code C.tachyon_error_t, key uint64, member any) error {
	if code == C.TACHYON_OK {
		w.members[key] = member
	}
	return errorOf(code)
}

// AddBus adds a bus's consumer side under key (ErrState for a producer, or a
// key or member already there).
func (w *WaitSet) AddBus(b *Bus, key uint64) error {
	if w.c == nil || b.c == nil {
		return ErrClosed
	}
	return w.added(C.tachyon_waitset_add_bus(w.c, b.c, C.uint64_t(key)), key, b)
}

// AddSubscriber adds a fan-out subscriber under key.
func (w *WaitSet) AddSubscriber(s *Subscriber, key uint64) error {
	if w.c == nil || s.c == nil {
		return ErrClosed
	}
	return w.added(C.tachyon_waitset_add_sub(w.c, s.c, C.uint64_t(key)), key, s)
}

// AddFanIn adds a fan-in under key.
func (w *WaitSet) AddFanIn(f *FanIn, key uint64) error {
	if w.c == nil || f.c == nil {
		return ErrClosed
	}
	return w.added(C.tachyon_waitset_add_fanin(w.c, f.c, C.uint64_t(key)), key, f)
}

// Remove removes the member under key.
func (w *WaitSet) Remove(key uint64) error {
	if w.c == nil {
		return ErrClosed
	}
	code := C.tachyon_waitset_remove(w.c, C.uint64_t(key))
	if code == C.TACHYON_OK {
		delete(w.members, key)
	}
	return errorOf(code)
}

// Wait returns the keys of the members with something to read (a message,
// the end of a stream, ErrLagged), waiting until there is one or ctx is done.
func (w *WaitSet) Wait(ctx context.Context) ([]uint64, error) {
	if w.c == nil {
		return nil, ErrClosed
	}
	var n C.size_t
	c := w.c
	_, err := wait(ctx, -1, func() { C.tachyon_waitset_interrupt(c) }, func(deadline C.int64_t) C.tachyon_error_t {
		var code C.tachyon_error_t
		n = C.tachyon_waitset_wait_until(w.c, &w.keys[0], MaxMembers, deadline, &code)
		if n > 0 {
			return C.TACHYON_OK
		}
		return code
	})
	if err != nil {
		return nil, err
	}
	return w.copyKeys(int(n)), nil
}

// Poll is Wait without waiting; when it finds nothing it re-arms the readiness fd.
func (w *WaitSet) Poll() []uint64 {
	if w.c == nil {
		return nil
	}
	var code C.tachyon_error_t
	n := C.tachyon_waitset_wait_until(w.c, &w.keys[0], MaxMembers, 0, &code)
	return w.copyKeys(int(n))
}

func (w *WaitSet) copyKeys(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(w.keys[i])
	}
	return out
}

// Fd returns an fd (an epoll fd) that becomes readable when a member has
// something to read (for epoll, or os.NewFile and a poller); after it fires
// call Poll, which leaves it readable until a Poll finds nothing. Owned by
// the wait-set: do not close it.
func (w *WaitSet) Fd() (int, error) {
	if w.c == nil {
		return -1, ErrClosed
	}
	fd := int(C.tachyon_waitset_fd(w.c))
	if fd < 0 {
		return -1, ErrSystem
	}
	return fd, nil
}

// Close frees the wait-set (not its members). Idempotent.
func (w *WaitSet) Close() error {
	if w.c != nil {
		runtime.SetFinalizer(w, nil)
		C.tachyon_waitset_destroy(w.c)
		w.c = nil
		w.members = nil
	}
	return nil
}
