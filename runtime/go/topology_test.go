package tachyon_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"tachyon.local/tachyon"
)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Every subscriber reads every message, in order, in place; then ErrPeerGone.
func TestFanOutEverySubscriberReadsEverything(t *testing.T) {
	path := sock("fanout-order")
	pub, err := tachyon.ListenFanOut(path, 1<<16, tachyon.LagBlock)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		sub, err := tachyon.Subscribe(path, tachyon.JoinNewest)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sub.Close()
			for want := uint64(0); want < n; want++ {
				err := sub.Recv(ctxFor(t, 10*time.Second), func(typeID uint32, data []byte) error {
					if typeID != 9 || binary.LittleEndian.Uint64(data) != want {
						return errors.New("out of order")
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
			err := sub.Recv(ctxFor(t, 10*time.Second), func(uint32, []byte) error { return nil })
			if !errors.Is(err, tachyon.ErrPeerGone) {
				errs <- err
			}
		}()
	}
	if got := pub.Subscribers(); got != 3 {
		t.Fatalf("%d subscribers, want 3", got)
	}
	buf := make([]byte, 8)
	for i := uint64(0); i < n; i++ {
		binary.LittleEndian.PutUint64(buf, i)
		if err := pub.Send(ctxFor(t, 10*time.Second), buf, 9); err != nil {
			t.Fatal(err)
		}
	}
	pub.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// LagDrop: a subscriber holding a message while the producer laps it gets
// ErrLagged from that receive, then rejoins; LagBlock makes the producer wait.
func TestFanOutLagPolicies(t *testing.T) {
	path := sock("fanout-drop")
	pub, err := tachyon.ListenFanOut(path, 4096, tachyon.LagDrop)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	fast, _ := tachyon.Subscribe(path, tachyon.JoinNewest)
	slow, _ := tachyon.Subscribe(path, tachyon.JoinNewest)
	defer fast.Close()
	defer slow.Close()
	drain := func(s *tachyon.Subscriber) error {
		return s.TryRecv(func(uint32, []byte) error { return nil })
	}
	if err := pub.TrySend(make([]byte, 200), 0); err != nil {
		t.Fatal(err)
	}
	err = slow.TryRecv(func(uint32, []byte) error {
		// While this subscriber reads, the producer laps it.
		for i := 0; i < 60; i++ {
			if err := pub.TrySend(bytes.Repeat([]byte{byte(i)}, 200), 1); err != nil {
				return err
			}
			if err := drain(fast); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, tachyon.ErrLagged) {
		t.Fatalf("receive across the drop: %v, want ErrLagged", err)
	}
	if err := drain(slow); !errors.Is(err, tachyon.ErrLagged) {
		t.Fatalf("after the drop: %v, want ErrLagged", err)
	}
	if err := slow.Rejoin(tachyon.JoinNewest); err != nil {
		t.Fatal(err)
	}
	if err := pub.TrySend([]byte("again"), 2); err != nil {
		t.Fatal(err)
	}
	err = slow.TryRecv(func(typeID uint32, data []byte) error {
		if typeID != 2 || string(data) != "again" {
			t.Errorf("after rejoin: %d %q", typeID, data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	bpath := sock("fanout-block")
	bpub, err := tachyon.ListenFanOut(bpath, 4096, tachyon.LagBlock)
	if err != nil {
		t.Fatal(err)
	}
	defer bpub.Close()
	sub, _ := tachyon.Subscribe(bpath, tachyon.JoinNewest)
	defer sub.Close()
	for bpub.TrySend(make([]byte, 200), 1) == nil {
	}
	if err := bpub.TrySend(make([]byte, 200), 1); !errors.Is(err, tachyon.ErrFull) {
		t.Fatalf("full ring: %v", err)
	}
	if err := bpub.Send(ctxFor(t, 30*time.Millisecond), make([]byte, 200), 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked send: %v", err)
	}
	if err := drain(sub); err != nil {
		t.Fatal(err)
	}
	if err := bpub.TrySend(make([]byte, 200), 1); err != nil {
		t.Fatal(err)
	}
	var f *tachyon.Failure
	if err := bpub.TrySend(make([]byte, 3000), 1); !errors.As(err, &f) || f.Code != tachyon.ErrTooLarge || f.Size != 3000 {
		t.Fatalf("too large: %v", err)
	}
}

// Fan-in: producers connect as to a bus; the consumer gets each producer's
// messages in order and knows who sent them.
func TestFanInFromManyProducers(t *testing.T) {
	path := sock("fanin")
	fi, err := tachyon.ListenFanIn(path, 1<<14)
	if err != nil {
		t.Fatal(err)
	}
	defer fi.Close()
	const per = 5000
	var wg sync.WaitGroup
	for who := uint32(0); who < 4; who++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bus, err := tachyon.Connect(path)
			if err != nil {
				t.Error(err)
				return
			}
			defer bus.Close()
			buf := make([]byte, 4)
			for i := uint32(0); i < per; i++ {
				binary.LittleEndian.PutUint32(buf, i)
				if err := bus.Send(context.Background(), buf, who); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	next := map[uint32]uint32{}
	ids := map[uint32]uint64{}
	for k := 0; k < 4*per; k++ {
		err := fi.Recv(ctxFor(t, 10*time.Second), func(from tachyon.Sender, typeID uint32, data []byte) error {
			if binary.LittleEndian.Uint32(data) != next[typeID] {
				return errors.New("out of order")
			}
			next[typeID]++
			if ids[typeID] == 0 {
				ids[typeID] = from.ID
			}
			if from.ID != ids[typeID] || from.PID != os.Getpid() {
				return errors.New("wrong sender")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if len(ids) != 4 {
		t.Fatalf("%d producers seen", len(ids))
	}
	err = fi.Recv(ctxFor(t, 20*time.Millisecond), func(tachyon.Sender, uint32, []byte) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("empty fan-in: %v", err)
	}
}

// A wait-set names the ready members; its fd becomes readable and Poll
// re-arms it.
func TestWaitSetAndItsFd(t *testing.T) {
	rx, tx := pair(t, "waitset", 1<<14)
	fpath := sock("waitset-fo")
	pub, err := tachyon.ListenFanOut(fpath, 1<<14, tachyon.LagBlock)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, _ := tachyon.Subscribe(fpath, tachyon.JoinNewest)
	defer sub.Close()
	ws, err := tachyon.NewWaitSet()
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.AddBus(rx, 1); err != nil {
		t.Fatal(err)
	}
	if err := ws.AddSubscriber(sub, 2); err != nil {
		t.Fatal(err)
	}
	if err := ws.AddBus(tx, 3); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("a producer in a wait-set: %v", err)
	}
	if _, err := ws.Wait(ctxFor(t, 20*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("idle wait: %v", err)
	}
	if err := tx.Send(context.Background(), []byte("x"), 1); err != nil {
		t.Fatal(err)
	}
	keys, err := ws.Wait(ctxFor(t, 5*time.Second))
	if err != nil || len(keys) != 1 || keys[0] != 1 {
		t.Fatalf("wait: %v %v", keys, err)
	}
	if err := rx.Recv(context.Background(), func(uint32, []byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fd, err := ws.Fd()
	if err != nil {
		t.Fatal(err)
	}
	readable := func(ms int) bool {
		pfd := []unixPollFd{{fd: int32(fd), events: 1}}
		n, _ := poll(pfd, ms)
		return n == 1
	}
	if readable(30) {
		t.Fatal("fd readable with nothing to read")
	}
	if err := pub.TrySend([]byte("all"), 5); err != nil {
		t.Fatal(err)
	}
	if !readable(5000) {
		t.Fatal("fd not readable after a message")
	}
	if keys := ws.Poll(); len(keys) != 1 || keys[0] != 2 {
		t.Fatalf("poll: %v", keys)
	}
	if err := sub.TryRecv(func(uint32, []byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if keys := ws.Poll(); len(keys) != 0 || readable(30) {
		t.Fatalf("after draining: %v", keys)
	}
	if err := ws.Remove(2); err != nil {
		t.Fatal(err)
	}
	if err := ws.Remove(2); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("second remove: %v", err)
	}
}

type unixPollFd struct {
	fd      int32
	events  int16
	revents int16
}

func poll(fds []unixPollFd, ms int) (int, error) {
	n, _, e := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)), uintptr(ms))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// A topology wait is one C call with ctx's deadline (none here): cancelling
// ctx interrupts it through the object's tachyon_*_interrupt, at once.
func TestTopologyWaitsEndWhenCtxIsCancelled(t *testing.T) {
	fpath, ipath := sock("cancel-fo"), sock("cancel-fi")
	pub, err := tachyon.ListenFanOut(fpath, 1<<12, tachyon.LagBlock)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, err := tachyon.Subscribe(fpath, tachyon.JoinNewest)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	fi, err := tachyon.ListenFanIn(ipath, 1<<12)
	if err != nil {
		t.Fatal(err)
	}
	defer fi.Close()
	ws, err := tachyon.NewWaitSet()
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.AddFanIn(fi, 1); err != nil {
		t.Fatal(err)
	}
	type namedWait struct {
		name string
		call func(ctx context.Context) error
	}
	waits := []namedWait{
		{"Subscriber.Recv", func(ctx context.Context) error {
			return sub.Recv(ctx, func(uint32, []byte) error { return nil })
		}},
		{"FanIn.Recv", func(ctx context.Context) error {
			return fi.Recv(ctx, func(tachyon.Sender, uint32, []byte) error { return nil })
		}},
		{"WaitSet.Wait", func(ctx context.Context) error {
			_, err := ws.Wait(ctx)
			return err
		}},
		{"FanOut.Send", func(ctx context.Context) error {
			// Fill the ring first: the subscriber never reads, so the send waits.
			for pub.TrySend(make([]byte, 200), 1) == nil {
			}
			return pub.Send(ctx, make([]byte, 200), 2)
		}},
	}
	for _, w := range waits {
		name, call := w.name, w.call
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		err := call(ctx)
		took := time.Since(start)
		timer.Stop()
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: %v, want context.Canceled", name, err)
		}
		if took > 5*time.Second { // a hang guard, not a speed check
			t.Fatalf("%s: took %v", name, took)
		}
		// And a deadline ends it as before.
		if err := call(ctxFor(t, 30*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s with a deadline: %v", name, err)
		}
	}
}
