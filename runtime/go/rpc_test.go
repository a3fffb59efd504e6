package tachyon_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"tachyon.local/tachyon"
)

// The RPC tests' methods: add (two u64 -> their sum), slow (deferred),
// hostile replies, and one the server never answers.
const (
	mAdd     = 10
	mFail    = 11
	mSilent  = 12
	mHostile = 13
)

// adder serves mAdd (sum), mFail (AppError 7) and defers the rest to `later`.
type adder struct {
	later func(call *tachyon.Call, request []byte)
}

func (a *adder) Sizes(method uint32) (int, int, bool) {
	switch method {
	case mAdd, mSilent, mHostile:
		return 16, 8, true
	case mFail:
		return 0, 0, true
	}
	return 0, 0, false
}

func (a *adder) Handle(call *tachyon.Call, method uint32, request, reply []byte) error {
	switch method {
	case mAdd:
		binary.LittleEndian.PutUint64(reply, binary.LittleEndian.Uint64(request)+binary.LittleEndian.Uint64(request[8:]))
		return nil
	case mFail:
		return tachyon.AppError(7)
	}
	if a.later != nil {
		a.later(call, append([]byte(nil), request...))
	}
	return nil
}

func addReq(a, b uint64) []byte {
	req := make([]byte, 16)
	binary.LittleEndian.PutUint64(req, a)
	binary.LittleEndian.PutUint64(req[8:], b)
	return req
}

// rpcPair serves h in a goroutine and returns the connected client and
// a channel that yields Serve's result.
func rpcPair(t *testing.T, name string, h tachyon.Handler) (*tachyon.RPC, <-chan error) {
	t.Helper()
	path := sock(name)
	done := make(chan error, 1)
	go func() {
		srv, err := tachyon.ListenRPC(path, 1<<16, tachyon.WithTimeout(10*time.Second))
		if err != nil {
			done <- err
			return
		}
		defer srv.Close()
		done <- srv.Serve(context.Background(), h)
	}()
	cli, err := tachyon.ConnectRPC(path, tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return cli, done
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRPCCallsUnknownMethodAndAppError(t *testing.T) {
	cli, done := rpcPair(t, "rpc-calls", &adder{})
	ctx := ctx10(t)
	for i := uint64(0); i < 50; i++ {
		var sum uint64
		if err := cli.Call(ctx, mAdd, addReq(i, 2*i), 8, func(r tachyon.Reply) error {
			sum = binary.LittleEndian.Uint64(r.Data)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if sum != 3*i {
			t.Fatalf("add %d: %d", i, sum)
		}
	}
	err := cli.Call(ctx, 99, nil, 0, func(tachyon.Reply) error { return nil })
	if !errors.Is(err, tachyon.ErrUnknownMethod) {
		t.Fatalf("method 99: %v", err)
	}
	err = cli.Call(ctx, mAdd, []byte("short"), 8, func(tachyon.Reply) error { return nil })
	if !errors.Is(err, tachyon.ErrBadRequest) {
		t.Fatalf("short request: %v", err)
	}
	var se *tachyon.StatusError
	err = cli.Call(ctx, mFail, nil, 0, func(tachyon.Reply) error { return nil })
	if !errors.As(err, &se) || se.Status != tachyon.StatusAppError || se.AppCode != 7 || se.CallID == 0 {
		t.Fatalf("app error: %v", err)
	}
	cli.Close()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v (want nil when the client goes)", err)
	}
}

func TestRPCPipelinedSlowCallHoldsUpOnlyItself(t *testing.T) {
	fast := make(chan struct{}, 16)
	var workers sync.WaitGroup
	h := &adder{}
	h.later = func(call *tachyon.Call, request []byte) {
		if binary.LittleEndian.Uint64(request) != 1000 {
			return
		}
		responder := call.Defer()
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := 0; i < 8; i++ { // until the 8 fast calls behind it were answered
				<-fast
			}
			out := make([]byte, 8)
			binary.LittleEndian.PutUint64(out, 1000)
			if err := responder.Reply(out); err != nil {
				t.Error(err)
			}
		}()
	}
	counting := &countingHandler{Handler: h, fast: fast}
	cli, done := rpcPair(t, "rpc-slow", counting)
	ctx := ctx10(t)
	slow, err := cli.Send(ctx, mSilent, addReq(1000, 0), 8)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]uint64{slow: 1000}
	for i := uint64(0); i < 8; i++ {
		id, err := cli.Send(ctx, mAdd, addReq(500, i), 8)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = 500 + i
	}
	var order []uint64
	for cli.Pending() > 0 {
		if err := cli.NextReply(ctx, func(r tachyon.Reply) error {
			if got := binary.LittleEndian.Uint64(r.Data); got != want[r.CallID] {
				t.Errorf("call %d: %d, want %d", r.CallID, got, want[r.CallID])
			}
			order = append(order, r.CallID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(order) != 9 || order[8] != slow {
		t.Fatalf("replies in order %v: the slow call %d must come last", order, slow)
	}
	cli.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	workers.Wait()
}

// countingHandler signals `fast` once per answered mAdd.
type countingHandler struct {
	tachyon.Handler
	fast chan struct{}
}

func (c *countingHandler) Handle(call *tachyon.Call, method uint32, request, reply []byte) error {
	err := c.Handler.Handle(call, method, request, reply)
	if method == mAdd {
		c.fast <- struct{}{}
	}
	return err
}

func TestRPCDeadlineExpiry(t *testing.T) {
	late := make(chan *tachyon.Responder, 4)
	h := &adder{later: func(call *tachyon.Call, _ []byte) { late <- call.Defer() }}
	cli, done := rpcPair(t, "rpc-late", h)
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := cli.Call(short, mSilent, addReq(1, 1), 8, func(tachyon.Reply) error { return nil })
	var ce *tachyon.CallError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ce) || ce.CallID == 0 {
		t.Fatalf("a call past its deadline: %v", err)
	}
	if cli.Pending() != 0 {
		t.Fatal("the timed-out call is still pending")
	}
	out := make([]byte, 8)
	if err := (<-late).Reply(out); err != nil { // late: dropped, never taken for the next call's
		t.Fatal(err)
	}
	var sum uint64
	if err := cli.Call(ctx10(t), mAdd, addReq(2, 3), 8, func(r tachyon.Reply) error {
		sum = binary.LittleEndian.Uint64(r.Data)
		return nil
	}); err != nil || sum != 5 {
		t.Fatalf("the next call: %d, %v", sum, err)
	}
	cli.Close()
	<-done
}

const silentEnv = "TACHYON_GO_RPC_SILENT"

// TestRPCSilentServerChild is the child of TestRPCServerKilled: a server that
// defers every call and never answers (only when silentEnv is set).
func TestRPCSilentServerChild(t *testing.T) {
	path := os.Getenv(silentEnv)
	if path == "" {
		t.Skip("the child process of TestRPCServerKilledWithCallsInFlight")
	}
	srv, err := tachyon.ListenRPC(path, 1<<16, tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.Serve(context.Background(), &adder{later: func(call *tachyon.Call, _ []byte) { call.Defer() }})
}

func TestRPCServerKilledWithCallsInFlight(t *testing.T) {
	path := sock("rpc-kill")
	child := exec.Command(os.Args[0], "-test.run=^TestRPCSilentServerChild$")
	child.Env = append(os.Environ(), silentEnv+"="+path)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	cli, err := tachyon.ConnectRPC(path, tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	for i := uint64(0); i < 5; i++ {
		if _, err := cli.Send(context.Background(), mSilent, addReq(i, 0), 8); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	child.Process.Kill()
	child.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = cli.NextReply(ctx, func(tachyon.Reply) error { return nil })
	if !errors.Is(err, tachyon.ErrPeerGone) { // PeerGone, not the 30 s deadline
		t.Fatalf("next reply after the server died: %v", err)
	}
	if cli.Pending() != 0 {
		t.Fatal("calls still pending")
	}
	if _, err := cli.Send(context.Background(), mAdd, addReq(1, 1), 8); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("a call after: %v", err)
	}
}

// hostile answers through post_reply what no honest server would.
type hostile struct{ adder }

func (h *hostile) Handle(call *tachyon.Call, method uint32, request, reply []byte) error {
	kind := binary.LittleEndian.Uint64(request)
	r := call.Defer()
	switch kind {
	case 1: // an id never issued
		return (&fakeResponder{r}).replyAs(call.ID()+1000*tachyon.RPCMaxInFlight, make([]byte, 8))
	case 2: // larger than the call allows
		return r.Reply(make([]byte, 4096))
	}
	out := make([]byte, 8)
	binary.LittleEndian.PutUint64(out, kind)
	return r.Reply(out)
}

// fakeResponder answers under another call id (a hostile server).
type fakeResponder struct{ r *tachyon.Responder }

func (f *fakeResponder) replyAs(id uint64, body []byte) error {
	return tachyon.PostReplyAs(f.r, id, body)
}

func TestRPCHostileRepliesAreErrors(t *testing.T) {
	cli, done := rpcPair(t, "rpc-hostile", &hostile{})
	ctx := ctx10(t)
	call := func(kind uint64) (uint64, error) {
		var got uint64
		err := cli.Call(ctx, mHostile, addReq(kind, 0), 8, func(r tachyon.Reply) error {
			got = binary.LittleEndian.Uint64(r.Data)
			return nil
		})
		return got, err
	}
	if _, err := call(1); !errors.Is(err, tachyon.ErrCorrupt) {
		t.Fatalf("a reply with a call id never issued: %v", err)
	}
	if got, err := call(4); err != nil || got != 4 {
		t.Fatalf("after: %d %v", got, err)
	}
	if _, err := call(2); !errors.Is(err, tachyon.ErrTooLarge) {
		t.Fatalf("an oversized reply: %v", err)
	}
	if got, err := call(5); err != nil || got != 5 {
		t.Fatalf("after: %d %v", got, err)
	}
	cli.Close()
	<-done
}

func TestRPCWrongSide(t *testing.T) {
	cli, done := rpcPair(t, "rpc-sides", &adder{})
	if err := cli.Serve(context.Background(), &adder{}); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("Serve on a client: %v", err)
	}
	if err := cli.NextReply(context.Background(), func(tachyon.Reply) error { return nil }); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("NextReply with nothing in flight: %v", err)
	}
	cli.Close()
	<-done
	if err := cli.Call(context.Background(), mAdd, addReq(1, 1), 8, func(tachyon.Reply) error { return nil }); !errors.Is(err, tachyon.ErrClosed) {
		t.Fatalf("Call after Close: %v", err)
	}
}
