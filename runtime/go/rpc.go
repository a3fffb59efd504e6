package tachyon

/*
#include <stdlib.h>
#include "tachyon.h"

// The next reply or request, its descriptor filled in, in one cgo crossing.
static tachyon_error_t tgo_rpc_next_reply(tachyon_rpc_t *rpc, tachyon_rpc_msg_t *m, int64_t deadline_ns)
{
    return tachyon_rpc_next_reply_until(rpc, m, deadline_ns);
}

// Reserves the held request's reply body; NULL and *err on failure.
static void *tgo_rpc_reply_start(tachyon_rpc_t *rpc, size_t size, int64_t deadline_ns, tachyon_error_t *err)
{
    void *p = tachyon_rpc_reply_start(rpc, size, deadline_ns);
    *err = p ? TACHYON_OK : tachyon_rpc_last_error(rpc);
    return p;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// RPC status codes: what a server answered a call (tachyon_rpc_status_t).
type Status uint32

const (
	StatusOK            Status = C.TACHYON_RPC_OK             // the handler answered
	StatusUnknownMethod Status = C.TACHYON_RPC_UNKNOWN_METHOD // the server has no such method
	StatusAppError      Status = C.TACHYON_RPC_APP_ERROR      // the handler failed with its own code
	StatusBadRequest    Status = C.TACHYON_RPC_BAD_REQUEST    // the request's size is not the method's
)

// RPCMaxInFlight is how many calls one client may have in flight at once.
const RPCMaxInFlight = C.TACHYON_RPC_MAX_INFLIGHT

// StatusError is a call the server answered with a status other than OK.
// errors.Is(err, ErrUnknownMethod) and ErrBadRequest match by status.
type StatusError struct {
	CallID   uint64
	MethodID uint32
	Status   Status
	AppCode  uint32 // StatusAppError: the handler's code
}

func (e *StatusError) Error() string {
	switch e.Status {
	case StatusUnknownMethod:
		return fmt.Sprintf("tachyon rpc: call %d: the server has no method %d", e.CallID, e.MethodID)
	case StatusAppError:
		return fmt.Sprintf("tachyon rpc: call %d: method %d failed with code %d", e.CallID, e.MethodID, e.AppCode)
	default:
		return fmt.Sprintf("tachyon rpc: call %d: method %d refused the request's size", e.CallID, e.MethodID)
	}
}

// Is matches ErrUnknownMethod and ErrBadRequest by status.
func (e *StatusError) Is(target error) bool {
	t, ok := target.(*StatusError)
	return ok && t.CallID == 0 && t.Status == e.Status && e.Status != StatusAppError
}

// Sentinels for errors.Is: a call answered UNKNOWN_METHOD or BAD_REQUEST.
var (
	ErrUnknownMethod = &StatusError{Status: StatusUnknownMethod}
	ErrBadRequest    = &StatusError{Status: StatusBadRequest}
)

// AppError is a handler's failure code (nonzero): return it from a handler
// to fail the call; errors.As on a client's error finds the StatusError.
type AppError uint32

func (e AppError) Error() string { return fmt.Sprintf("tachyon rpc: application error %d", uint32(e)) }

// CallError is a transport failure of one call (ErrTimeout when its
// deadline passed, ErrCorrupt for a hostile reply, ErrTooLarge, ...): Err is
// the sentinel, CallID the call (errors.Is(err, ErrTimeout) works).
type CallError struct {
	CallID uint64
	Err    error
}

func (e *CallError) Error() string { return fmt.Sprintf("tachyon rpc: call %d: %v", e.CallID, e.Err) }
func (e *CallError) Unwrap() error { return e.Err }

// RPC is one side of a request/response connection: ListenRPC (the server)
// or ConnectRPC (the client). One goroutine at a time uses it, except for
// Responder.Reply/Fail and Interrupt, which any goroutine may call.
type RPC struct {
	c       *C.tachyon_rpc_t
	server  bool
	holding bool // client: a reply is held in the ring
	// mu guards c against Close while another goroutine posts a reply.
	mu  sync.RWMutex
	msg C.tachyon_rpc_msg_t
}

// Reply is a reply (client) or a request (server) in place in the ring: Data
// is valid only inside the callback it is passed to.
type Reply struct {
	CallID   uint64
	MethodID uint32
	Data     []byte
}

func openRPC(f func(*C.tachyon_options_t, C.int64_t, **C.tachyon_rpc_t, *C.tachyon_error_detail_t) C.tachyon_error_t,
	defaultTimeout time.Duration, server bool, opts []Option) (*RPC, error) {
	o := options{spin: DefaultSpin, timeout: defaultTimeout, timed: defaultTimeout >= 0}
	for _, opt := range opts {
		opt(&o)
	}
	deadline := int64(-1)
	if o.timed && o.timeout >= 0 {
		deadline = cDeadline(o.timeout)
	}
	var c *C.tachyon_rpc_t
	var d C.tachyon_error_detail_t
	code := C.tachyon_error_t(C.TACHYON_ERR_INTERRUPTED)
	for code == C.TACHYON_ERR_INTERRUPTED {
		code = f(&o.c, C.int64_t(deadline), &c, &d)
	}
	if code != C.TACHYON_OK {
		return nil, failureOf(&d)
	}
	r := &RPC{c: c, server: server}
	runtime.SetFinalizer(r, (*RPC).Close)
	return r, nil
}

// ListenRPC listens on path for one client and returns the server side, with
// two rings of capacity bytes (a power of two). Options as Listen's.
func ListenRPC(path string, capacity int, opts ...Option) (*RPC, error) {
	if capacity <= 0 {
		return nil, ErrInvalidArg
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return openRPC(func(o *C.tachyon_options_t, deadline C.int64_t, out **C.tachyon_rpc_t,
		d *C.tachyon_error_detail_t) C.tachyon_error_t {
		return C.tachyon_rpc_listen_until(cpath, C.size_t(capacity), o, deadline, out, d)
	}, -1, true, opts)
}

// ConnectRPC connects to the server on path (waiting up to 5 s, WithTimeout,
// for it to listen) and returns the client side.
func ConnectRPC(path string, opts ...Option) (*RPC, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return openRPC(func(o *C.tachyon_options_t, deadline C.int64_t, out **C.tachyon_rpc_t,
		d *C.tachyon_error_detail_t) C.tachyon_error_t {
		return C.tachyon_rpc_connect_until(cpath, o, deadline, out, d)
	}, time.Duration(C.TACHYON_CONNECT_DEFAULT_NS), false, opts)
}

// Close closes this side (the peer sees ErrPeerGone). Idempotent.
func (r *RPC) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c == nil {
		return nil
	}
	runtime.SetFinalizer(r, nil)
	C.tachyon_rpc_destroy(r.c)
	r.c = nil
	return nil
}

// Interrupt makes the wait in progress on this connection return (from any
// goroutine); the waiting call then fails with ErrInterrupted.
func (r *RPC) Interrupt() {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.c != nil {
		C.tachyon_rpc_interrupt(r.c)
	}
}

// Pending is how many calls are in flight (client).
func (r *RPC) Pending() int {
	if r.c == nil {
		return 0
	}
	return int(C.tachyon_rpc_pending(r.c))
}

func (r *RPC) ready(server bool) error {
	if r.c == nil {
		return ErrClosed
	}
	if r.server != server {
		return ErrState
	}
	return nil
}

func (r *RPC) release() {
	if r.holding {
		r.holding = false
		C.tachyon_rpc_release(r.c)
	}
}

// callDeadline is the C deadline of ctx (-1: none).
func callDeadline(ctx context.Context) int64 {
	if d, ok := ctx.Deadline(); ok {
		return cDeadline(time.Until(d))
	}
	return -1
}

// Send is the pipelined call: it sends request to method and returns the
// call id at once; the outcome comes from NextReply. ctx's deadline is the
// call's own; a reply larger than replyMax fails it with ErrTooLarge.
func (r *RPC) Send(ctx context.Context, method uint32, request []byte, replyMax int) (uint64, error) {
	if err := r.ready(false); err != nil {
		return 0, err
	}
	r.release()
	var id C.uint64_t
	deadline := callDeadline(ctx)
	code, err := wait(ctx, deadline, func() { C.tachyon_rpc_interrupt(r.c) }, func(d C.int64_t) C.tachyon_error_t {
		return C.tachyon_rpc_send_until(r.c, C.uint32_t(method), payloadPtr(request), C.size_t(len(request)),
			C.size_t(replyMax), C.int64_t(deadline), &id)
	})
	if err != nil {
		return 0, err
	}
	if code != C.TACHYON_OK {
		return 0, errorOf(code)
	}
	return uint64(id), nil
}

// next waits for the next reply and passes it to fn (status OK) or returns
// its StatusError / CallError.
func (r *RPC) next(ctx context.Context, fn func(Reply) error) error {
	m := &r.msg
	code, err := wait(ctx, -1, func() { C.tachyon_rpc_interrupt(r.c) }, func(d C.int64_t) C.tachyon_error_t {
		return C.tgo_rpc_next_reply(r.c, m, d)
	})
	if err != nil {
		return err
	}
	if code != C.TACHYON_OK {
		if m.call_id != 0 {
			return &CallError{CallID: uint64(m.call_id), Err: errorOf(code)}
		}
		return errorOf(code)
	}
	r.holding = true
	defer r.release()
	if Status(m.status) != StatusOK {
		return &StatusError{CallID: uint64(m.call_id), MethodID: uint32(m.method_id), Status: Status(m.status),
			AppCode: uint32(m.app_code)}
	}
	return fn(Reply{CallID: uint64(m.call_id), MethodID: uint32(m.method_id),
		Data: unsafe.Slice((*byte)(m.data), int(m.size))})
}

// NextReply waits (until ctx is done) for the next outcome of a pipelined
// call, in the order the server answers, and passes an OK reply to fn, whose
// Data is valid only during fn. A failed call's error names it (CallError,
// StatusError); ErrState when nothing is in flight.
func (r *RPC) NextReply(ctx context.Context, fn func(Reply) error) error {
	if err := r.ready(false); err != nil {
		return err
	}
	r.release()
	if r.Pending() == 0 {
		return ErrState
	}
	return r.next(ctx, fn)
}

// Call is the blocking call: it sends request to method and waits (until
// ctx is done; ctx's deadline is the call's) for the reply, up to replyMax
// bytes, passed in place to fn. A call ctx ended fails with a CallError
// wrapping ctx's error (context.DeadlineExceeded) and is forgotten.
func (r *RPC) Call(ctx context.Context, method uint32, request []byte, replyMax int, fn func(Reply) error) error {
	if err := r.ready(false); err != nil {
		return err
	}
	r.release()
	if r.Pending() != 0 {
		return ErrState
	}
	id, err := r.Send(ctx, method, request, replyMax)
	if err != nil {
		return err
	}
	err = r.next(ctx, fn)
	if err != nil && r.Pending() != 0 {
		// a failed call (ctx done, a hostile reply) is forgotten: its reply,
		// if it comes, is dropped
		C.tachyon_rpc_cancel(r.c, C.uint64_t(id))
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &CallError{CallID: id, Err: err}
	}
	return err
}

// ---- server ---------------------------------------------------------------

// Handler is a server's dispatch table (tachc generates one per service).
type Handler interface {
	// Sizes returns the request and reply sizes of method, ok false for an
	// unknown method.
	Sizes(method uint32) (request, reply int, ok bool)
	// Handle reads request and writes reply in place (both valid only during
	// the call); it returns nil, an AppError, or calls call.Defer().
	Handle(call *Call, method uint32, request, reply []byte) error
}

// Call is the call a handler runs.
type Call struct {
	r        *RPC
	id       uint64
	method   uint32
	deferred bool
}

// ID is the call's correlation id.
func (c *Call) ID() uint64 { return c.id }

// Defer answers this call later, from any goroutine, through the returned
// Responder; the serve loop goes on at once (the reply bytes are not sent).
// Copy what you need from the request first.
func (c *Call) Defer() *Responder {
	c.deferred = true
	return &Responder{r: c.r, id: c.id, method: c.method}
}

// Responder answers one deferred call, from any goroutine.
type Responder struct {
	r      *RPC
	id     uint64
	method uint32
}

// ID is the call's correlation id.
func (p *Responder) ID() uint64 { return p.id }

// Reply answers the call with body (the reply's bytes).
func (p *Responder) Reply(body []byte) error { return p.post(StatusOK, 0, body) }

// Fail fails the call with the application code (nonzero).
func (p *Responder) Fail(code uint32) error { return p.post(StatusAppError, code, nil) }

func (p *Responder) post(status Status, code uint32, body []byte) error {
	p.r.mu.RLock()
	defer p.r.mu.RUnlock()
	if p.r.c == nil {
		return ErrClosed
	}
	return errorOf(C.tachyon_rpc_post_reply(p.r.c, C.uint64_t(p.id), C.uint32_t(p.method),
		C.tachyon_rpc_status_t(status), C.uint32_t(code), payloadPtr(body), C.size_t(len(body))))
}

// Serve answers requests through h until the client goes (nil) or ctx is
// done (its error): unknown methods are answered StatusUnknownMethod, wrong
// request sizes StatusBadRequest; handlers read the request and write the
// reply in place.
func (r *RPC) Serve(ctx context.Context, h Handler) error {
	if err := r.ready(true); err != nil {
		return err
	}
	m := &r.msg
	for {
		code, err := wait(ctx, -1, func() { C.tachyon_rpc_interrupt(r.c) }, func(d C.int64_t) C.tachyon_error_t {
			return C.tachyon_rpc_next_request_until(r.c, m, d)
		})
		if err != nil {
			return err
		}
		switch code {
		case C.TACHYON_OK:
		case C.TACHYON_ERR_PEER_GONE:
			return nil
		case C.TACHYON_ERR_CORRUPT:
			continue // a malformed request is dropped
		default:
			return errorOf(code)
		}
		method := uint32(m.method_id)
		reqSize, repSize, ok := h.Sizes(method)
		status, appCode := StatusOK, uint32(0)
		if !ok {
			status = StatusUnknownMethod
		} else if int(m.size) != reqSize {
			status = StatusBadRequest
		}
		if status != StatusOK {
			repSize = 0
		}
		var cerr C.tachyon_error_t
		p := C.tgo_rpc_reply_start(r.c, C.size_t(repSize), -1, &cerr)
		if p == nil {
			return errorOf(cerr)
		}
		if status == StatusOK {
			call := &Call{r: r, id: uint64(m.call_id), method: method}
			request := unsafe.Slice((*byte)(m.data), int(m.size))
			reply := unsafe.Slice((*byte)(p), repSize)
			herr := h.Handle(call, method, request, reply)
			if call.deferred {
				if code := C.tachyon_rpc_defer(r.c); code != C.TACHYON_OK {
					return errorOf(code)
				}
				continue
			}
			var app AppError
			switch {
			case herr == nil:
			case errors.As(herr, &app) && app != 0:
				status, appCode = StatusAppError, uint32(app)
			default:
				return herr
			}
		}
		if code := C.tachyon_rpc_reply_commit(r.c, C.tachyon_rpc_status_t(status), C.uint32_t(appCode)); code != C.TACHYON_OK {
			return errorOf(code)
		}
	}
}
