package tachyon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"tachyon.local/tachyon"
)

// cgoPerFileFlags are the sources.mk flags the #cgo CFLAGS line leaves out
// because cgo's own generated C does not build cleanly with them; every
// csrc_*.c wrapper turns them on for the runtime's code.
var cgoPerFileFlags = map[string]bool{"-Wmissing-prototypes": true}

// runtimeList returns the words of a `NAME := words` line of runtime/sources.mk.
func runtimeList(t *testing.T, name string) []string {
	t.Helper()
	text, err := os.ReadFile("../sources.mk")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(text), "\n") {
		if key, value, ok := strings.Cut(line, ":="); ok && strings.TrimSpace(key) == name {
			return strings.Fields(value)
		}
	}
	t.Fatalf("%s not in runtime/sources.mk", name)
	return nil
}

func wrapperText(src string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `/* Generated from runtime/sources.mk by TestCgoBuildFollowsSourcesList; do not
 * edit (TACHYON_WRITE_WRAPPERS=1 go test -run CgoBuild rewrites it). Compiles
 * libtachyon's %s into the Go package, so that `+"`go build`"+` needs no prior
 * `+"`make`"+`. The sources.mk flags that cgo's own generated C cannot take are
 * turned on here, for the runtime's code only. */
`, src)
	flags := make([]string, 0, len(cgoPerFileFlags))
	for f := range cgoPerFileFlags {
		flags = append(flags, f)
	}
	sort.Strings(flags)
	for _, f := range flags {
		fmt.Fprintf(&b, "#pragma GCC diagnostic warning %q\n", f)
	}
	fmt.Fprintf(&b, "#include \"../src/%s\"\n", src)
	return b.String()
}

// The Go build compiles exactly the runtime sources of runtime/sources.mk
// (one generated csrc_*.c wrapper each) with its C flags.
func TestCgoBuildFollowsSourcesList(t *testing.T) {
	sources := runtimeList(t, "TACHYON_SOURCES")
	want := map[string]bool{}
	for _, src := range sources {
		wrapper := "csrc_" + src
		want[wrapper] = true
		text := wrapperText(src)
		if os.Getenv("TACHYON_WRITE_WRAPPERS") == "1" {
			if err := os.WriteFile(wrapper, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(wrapper)
		if err != nil || string(got) != text {
			t.Errorf("%s is missing or differs from what sources.mk gives (TACHYON_WRITE_WRAPPERS=1 rewrites it)", wrapper)
		}
	}
	have, _ := filepath.Glob("csrc_*.c")
	for _, w := range have {
		if !want[w] {
			t.Errorf("%s compiles a file runtime/sources.mk does not list", w)
		}
	}
	onDisk, _ := filepath.Glob("../src/*.c")
	if len(onDisk) != len(sources) {
		t.Errorf("runtime/src has %d C files, sources.mk lists %d", len(onDisk), len(sources))
	}
	busGo, err := os.ReadFile("bus.go")
	if err != nil {
		t.Fatal(err)
	}
	var cflags []string
	for _, line := range strings.Split(string(busGo), "\n") {
		if rest, ok := strings.CutPrefix(line, "#cgo CFLAGS:"); ok {
			cflags = strings.Fields(rest)
		}
	}
	have2 := map[string]bool{}
	for _, f := range cflags {
		have2[f] = true
	}
	for _, f := range runtimeList(t, "TACHYON_CFLAGS") {
		if !have2[f] && !cgoPerFileFlags[f] {
			t.Errorf("#cgo CFLAGS in bus.go lacks %s from runtime/sources.mk", f)
		}
	}
}

func TestRolesAndSizes(t *testing.T) {
	rx, tx := pair(t, "roles", 1<<12)
	if rx.Role() != tachyon.Consumer || tx.Role() != tachyon.Producer {
		t.Fatalf("roles %v %v", rx.Role(), tx.Role())
	}
	if rx.Capacity() != 1<<12 || tx.MaxMessageSize() != 1<<11-16 {
		t.Fatalf("capacity %d max %d", rx.Capacity(), tx.MaxMessageSize())
	}
	if !rx.PeerAlive() || !tx.PeerAlive() {
		t.Fatal("peers should be alive")
	}
}

func TestSendReceiveAcrossWraps(t *testing.T) {
	rx, tx := pair(t, "wraps", 1<<10)
	const n = 3000
	max := tx.MaxMessageSize()
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := tx.Send(context.Background(), payload(i, i*37%(max+1)), uint32(i)); err != nil {
				errc <- err
				return
			}
		}
		errc <- tx.Close()
	}()
	for i := 0; i < n; i++ {
		err := rx.Recv(context.Background(), func(typeID uint32, data []byte) error {
			if typeID != uint32(i) || !bytes.Equal(data, payload(i, i*37%(max+1))) {
				t.Fatalf("message %d: type %d, %d bytes", i, typeID, len(data))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("recv %d: %v", i, err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if _, err := rx.AcquireRx(context.Background()); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("after the stream: %v, want ErrPeerGone", err)
	}
	if got := rx.Stats().Messages; got != n {
		t.Fatalf("consumer stats %d", got)
	}
}

func TestTxInPlaceRollbackAndStaleHandles(t *testing.T) {
	rx, tx := pair(t, "tx", 1<<12)
	ghost, err := tx.AcquireTx(context.Background(), 64)
	if err != nil {
		t.Fatal(err)
	}
	copy(ghost.Bytes(), "ghost")
	if err := ghost.Rollback(); err != nil {
		t.Fatal(err)
	}
	if ghost.Bytes() != nil || ghost.Commit(5, 1) != tachyon.ErrState {
		t.Fatal("a rolled back Tx must be dead")
	}
	real, err := tx.TryAcquireTx(64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.TryAcquireTx(8); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("second reservation: %v", err)
	}
	if len(real.Bytes()) != 64 {
		t.Fatalf("reserved %d bytes", len(real.Bytes()))
	}
	copy(real.Bytes(), "real")
	if err := real.Commit(65, 1); !errors.Is(err, tachyon.ErrInvalidArg) {
		t.Fatalf("oversized commit: %v", err)
	}
	if err := real.Commit(4, 42); err != nil {
		t.Fatal(err)
	}
	if real.Bytes() != nil {
		t.Fatal("Bytes after Commit must be nil")
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := rx.AcquireRxTimeout(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if msg.TypeID() != 42 || string(msg.Data()) != "real" || msg.Size() != 4 {
		t.Fatalf("got type %d %q", msg.TypeID(), msg.Data())
	}
	if _, err := rx.TryAcquireRx(); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("second acquire while holding: %v", err)
	}
	if err := msg.Commit(); err != nil {
		t.Fatal(err)
	}
	if msg.Data() != nil {
		t.Fatal("Data after Commit must be nil")
	}
	if err := msg.Commit(); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("double commit: %v", err)
	}
	if _, err := rx.TryAcquireRx(); !errors.Is(err, tachyon.ErrEmpty) {
		t.Fatalf("empty ring: %v", err)
	}
}

func TestWrongRole(t *testing.T) {
	rx, tx := pair(t, "role", 1<<12)
	if err := rx.TrySend([]byte("x"), 1); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("consumer send: %v", err)
	}
	if _, err := tx.TryAcquireRx(); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("producer receive: %v", err)
	}
}

func TestFullRingTimeoutsAndCancellation(t *testing.T) {
	rx, tx := pair(t, "full", 1<<10)
	sent := 0
	for {
		err := tx.TrySend(make([]byte, 100), 1)
		if errors.Is(err, tachyon.ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if sent++; sent > 1000 {
			t.Fatal("a 1 KiB ring never filled")
		}
	}
	start := time.Now()
	if err := tx.SendTimeout(make([]byte, 100), 1, 30*time.Millisecond); !errors.Is(err, tachyon.ErrTimeout) {
		t.Fatalf("SendTimeout on a full ring: %v", err)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("SendTimeout returned before its deadline")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	if _, err := tx.AcquireTx(ctx, 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("AcquireTx cancelled: %v", err)
	}
	if tx.Stats().FullEvents == 0 {
		t.Fatal("no full events counted")
	}
	// Space the consumer frees reaches a blocked Send.
	freed := make(chan error, 1)
	go func() {
		time.Sleep(20 * time.Millisecond)
		freed <- rx.Recv(context.Background(), func(uint32, []byte) error { return nil })
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := tx.Send(ctx2, make([]byte, 100), 2); err != nil {
		t.Fatalf("Send after the consumer freed space: %v", err)
	}
	if err := <-freed; err != nil {
		t.Fatal(err)
	}
	if err := tx.TrySend(make([]byte, 4096), 1); !errors.Is(err, tachyon.ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
}

func TestReceiveTimeoutAndCancellation(t *testing.T) {
	rx, _ := pair(t, "rxwait", 1<<12)
	start := time.Now()
	if _, err := rx.AcquireRxTimeout(40 * time.Millisecond); !errors.Is(err, tachyon.ErrTimeout) {
		t.Fatalf("AcquireRxTimeout: %v", err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Fatal("returned before its deadline")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	err := rx.Recv(ctx, func(uint32, []byte) error { t.Fatal("no message was sent"); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv cancelled: %v", err)
	}
	ctx3, cancel3 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel3()
	if _, err := rx.AcquireRx(ctx3); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AcquireRx with a deadline: %v", err)
	}
}

func TestRecvCommitsEvenWhenTheCallbackFails(t *testing.T) {
	rx, tx := pair(t, "recverr", 1<<12)
	for i := 0; i < 2; i++ {
		if err := tx.Send(context.Background(), []byte{byte(i)}, uint32(i)); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	var kept []byte
	if err := rx.Recv(context.Background(), func(_ uint32, d []byte) error { kept = append(kept, d...); return boom }); err != boom {
		t.Fatalf("Recv returned %v, want the callback's error", err)
	}
	err := rx.Recv(context.Background(), func(id uint32, d []byte) error {
		if id != 1 || d[0] != 1 {
			t.Fatalf("second message: type %d %v", id, d)
		}
		return nil
	})
	if err != nil || !bytes.Equal(kept, []byte{0}) {
		t.Fatalf("err %v kept %v", err, kept)
	}
}

func TestDrainBatchAndRecvBatch(t *testing.T) {
	rx, tx := pair(t, "batch", 1<<14)
	if bt, err := rx.DrainBatch(8); err != nil || bt.Len() != 0 {
		t.Fatalf("empty drain: %d %v", bt.Len(), err)
	}
	for i := 0; i < 20; i++ {
		w, err := tx.AcquireTx(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		w.Bytes()[0] = byte(i)
		if err := w.Commit(1, uint32(100+i)); err != nil {
			t.Fatal(err)
		}
	}
	if bt, _ := rx.DrainBatch(64); bt.Len() != 0 {
		t.Fatal("20 commits must stay unpublished until Flush")
	}
	tx.Flush()
	bt, err := rx.DrainBatch(8)
	if err != nil || bt.Len() != 8 {
		t.Fatalf("drain: %d %v", bt.Len(), err)
	}
	for i := 0; i < bt.Len(); i++ {
		if bt.TypeID(i) != uint32(100+i) || bt.Data(i)[0] != byte(i) {
			t.Fatalf("batch message %d: %d %v", i, bt.TypeID(i), bt.Data(i))
		}
	}
	if bt.Data(8) != nil {
		t.Fatal("out of range must be nil")
	}
	if err := bt.Commit(); err != nil {
		t.Fatal(err)
	}
	if bt.Data(0) != nil {
		t.Fatal("Data after Commit must be nil")
	}
	next := 8
	for next < 20 {
		n, err := rx.RecvBatch(context.Background(), 5, func(id uint32, d []byte) error {
			if id != uint32(100+next) || d[0] != byte(next) {
				t.Fatalf("RecvBatch message %d: %d", next, id)
			}
			next++
			return nil
		})
		if err != nil || n == 0 || n > 5 {
			t.Fatalf("RecvBatch: %d %v", n, err)
		}
	}
	tx.Close()
	if _, err := rx.DrainBatch(8); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("after close: %v", err)
	}
}

func TestPeerGoneAfterEverythingWasDelivered(t *testing.T) {
	rx, tx := pair(t, "gone", 1<<12)
	for i := 0; i < 5; i++ {
		w, _ := tx.AcquireTx(context.Background(), 4)
		if err := w.Commit(4, uint32(i)); err != nil {
			t.Fatal(err)
		}
	}
	tx.Close() // publishes the unflushed commits
	if err := tx.TrySend(nil, 0); !errors.Is(err, tachyon.ErrClosed) {
		t.Fatalf("send after Close: %v", err)
	}
	for i := 0; i < 5; i++ {
		m, err := rx.AcquireRx(context.Background())
		if err != nil || m.TypeID() != uint32(i) {
			t.Fatalf("message %d: %v", i, err)
		}
		m.Commit()
	}
	if _, err := rx.AcquireRx(context.Background()); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("end: %v", err)
	}
}

func TestSchemaFingerprintsMustAgree(t *testing.T) {
	path := sock("schema")
	done := make(chan error, 1)
	go func() {
		_, err := tachyon.Listen(path, 1<<12, tachyon.WithFingerprint(0xAAAA), tachyon.WithTimeout(10*time.Second))
		done <- err
	}()
	_, err := tachyon.Connect(path, tachyon.WithFingerprint(0xBBBB), tachyon.WithTimeout(10*time.Second))
	if !errors.Is(err, tachyon.ErrSchemaMismatch) {
		t.Fatalf("connector: %v", err)
	}
	if err := <-done; !errors.Is(err, tachyon.ErrSchemaMismatch) {
		t.Fatalf("listener: %v", err)
	}
	rx, tx := pair(t, "schema-ok", 1<<12, tachyon.WithFingerprint(0x1234))
	if rx.Fingerprint() != 0x1234 || tx.Fingerprint() != 0x1234 {
		t.Fatal("fingerprint not kept")
	}
}

func TestHandshakeErrors(t *testing.T) {
	if _, err := tachyon.Connect(sock("nobody"), tachyon.WithTimeout(20*time.Millisecond)); !errors.Is(err, tachyon.ErrNoListener) {
		t.Fatalf("no listener: %v", err)
	}
	if _, err := tachyon.Listen("/tmp/"+strings.Repeat("x", 200), 1<<12); !errors.Is(err, tachyon.ErrPathTooLong) {
		t.Fatalf("long path: %v", err)
	}
	if _, err := tachyon.Listen(sock("lonely"), 1<<12, tachyon.WithTimeout(30*time.Millisecond)); !errors.Is(err, tachyon.ErrTimeout) {
		t.Fatalf("listen timeout: %v", err)
	}
	_, err := tachyon.Listen(sock("badcap"), 1000)
	var code tachyon.Error
	if !errors.As(err, &code) || (code != tachyon.ErrCapacity && code != tachyon.ErrInvalidArg) {
		t.Fatalf("bad capacity: %v", err)
	}
}

func TestErrorsDescribeThemselves(t *testing.T) {
	seen := map[string]bool{}
	for code := tachyon.ErrInvalidArg; code <= tachyon.ErrState; code++ {
		msg := code.Error()
		if !strings.HasPrefix(msg, "tachyon: ") || len(msg) <= len("tachyon: ") || seen[msg] {
			t.Fatalf("code %d: %q", int(code), msg)
		}
		seen[msg] = true
	}
	wrapped := errors.Join(errors.New("context"), tachyon.ErrPeerGone)
	if !errors.Is(wrapped, tachyon.ErrPeerGone) || errors.Is(wrapped, tachyon.ErrTimeout) {
		t.Fatal("errors.Is through wrapping")
	}
}

func TestSendBatchWaitsForRoomAndKeepsOrder(t *testing.T) {
	rx, tx := pair(t, "sendbatch", 1<<10) // about 15 records of 40 bytes fit at once
	const n, size = 5000, 40
	records := make([]byte, n*size)
	typeIDs := make([]uint32, n)
	for i := range typeIDs {
		copy(records[i*size:], payload(i, size))
		typeIDs[i] = uint32(i)
	}
	if _, err := tx.SendBatch(context.Background(), records[:size], size, typeIDs[:2]); !errors.Is(err, tachyon.ErrInvalidArg) {
		t.Fatalf("records shorter than the type ids: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		sent, err := tx.SendBatch(context.Background(), records, size, typeIDs)
		if err == nil && sent != n {
			err = fmt.Errorf("sent %d of %d", sent, n)
		}
		errc <- err
	}()
	for i := 0; i < n; i++ {
		err := rx.Recv(context.Background(), func(id uint32, d []byte) error {
			if id != uint32(i) || !bytes.Equal(d, payload(i, size)) {
				return fmt.Errorf("message %d: type %d", i, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if tx.Stats().FullEvents == 0 {
		t.Fatal("a 1 KiB ring should have filled")
	}
}

func TestBlockedSendEndsWhenTheConsumerCloses(t *testing.T) {
	rx, tx := pair(t, "consumer-gone", 1<<8)
	closed := make(chan struct{})
	go func() { time.Sleep(30 * time.Millisecond); rx.Close(); close(closed) }()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = tx.Send(context.Background(), make([]byte, 64), 1)
	}
	// The producer sees PEER_GONE as soon as the consumer's state says
	// CLOSED, which may be before rx.Close has returned: the test's cleanup
	// must not close rx a second time while the first Close still runs.
	<-closed
	if !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("send to a closed consumer: %v", err)
	}
}

func TestCloseWhileHoldingAReservation(t *testing.T) {
	rx, tx := pair(t, "close-holding", 1<<12)
	if err := tx.Send(context.Background(), []byte("kept"), 1); err != nil {
		t.Fatal(err)
	}
	slot, err := tx.AcquireTx(context.Background(), 16)
	if err != nil {
		t.Fatal(err)
	}
	copy(slot.Bytes(), "dropped")
	tx.Close()
	if slot.Bytes() != nil || !errors.Is(slot.Commit(7, 2), tachyon.ErrState) {
		t.Fatal("a Tx must die with its bus")
	}
	err = rx.Recv(context.Background(), func(id uint32, d []byte) error {
		if id != 1 || string(d) != "kept" {
			return fmt.Errorf("got type %d %q", id, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rx.AcquireRx(context.Background()); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("the uncommitted reservation must not arrive: %v", err)
	}
}
