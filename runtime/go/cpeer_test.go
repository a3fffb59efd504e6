package tachyon_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tachyon.local/generated/market"
	"tachyon.local/tachyon"
)

// The C peer is runtime/rust/tests/market_peer.c (shared with the Rust
// tests): it reads and writes MarketTick through generated/c/market.h.
const cTicks = 50000

var (
	cPeerOnce sync.Once
	cPeerPath string
	cPeerErr  error
)

// buildCPeer compiles the C peer once per test binary with $CC (default cc).
func buildCPeer(t *testing.T) string {
	t.Helper()
	cPeerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tachyon-go-cpeer")
		if err != nil {
			cPeerErr = err
			return
		}
		srcs, _ := filepath.Glob("../src/*.c")
		cc := os.Getenv("CC")
		if cc == "" {
			cc = "cc"
		}
		out := filepath.Join(dir, "market_peer")
		args := append([]string{"-std=gnu11", "-D_GNU_SOURCE", "-O2",
			"-I../include", "-I../../generated/c", "../rust/tests/market_peer.c"}, srcs...)
		args = append(args, "-o", out, "-lpthread")
		if msg, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			cPeerErr = fmt.Errorf("building the C peer: %v\n%s", err, msg)
			return
		}
		cPeerPath = out
	})
	if cPeerErr != nil {
		t.Fatal(cPeerErr)
	}
	return cPeerPath
}

func TestGoConsumerReadsTypedTicksFromACProducer(t *testing.T) {
	peer := buildCPeer(t)
	path := sock("c-producer")
	cmd := exec.Command(peer, "produce", path, fmt.Sprint(cTicks))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rx, err := tachyon.Listen(path, 1<<16, tachyon.WithFingerprint(market.SchemaFingerprint), tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	var i uint64
	for end := false; !end; {
		err := rx.Recv(context.Background(), func(typeID uint32, data []byte) error {
			if typeID == market.MsgEnd {
				end = true
				return nil
			}
			i++
			return checkTick(typeID, data, i-1)
		})
		if err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
	}
	if i != cTicks {
		t.Fatalf("got %d ticks", i)
	}
	if _, err := rx.AcquireRx(context.Background()); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("after End: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("C producer: %v", err)
	}
}

func TestGoProducerWritesTypedTicksForACConsumer(t *testing.T) {
	peer := buildCPeer(t)
	path := sock("c-consumer")
	cmd := exec.Command(peer, "consume", path, fmt.Sprint(cTicks))
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tx, err := tachyon.Connect(path, tachyon.WithFingerprint(market.SchemaFingerprint), tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i < cTicks; i++ {
		slot, err := tx.AcquireTx(context.Background(), market.MarketTickSize)
		if err != nil {
			t.Fatal(err)
		}
		if err := slot.Commit(market.MarketTickSize, fillTick(market.MarketTick(slot.Bytes()), i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Send(context.Background(), nil, market.MsgEnd); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("C consumer: %v", err)
	}
	want := fmt.Sprintf("ok ticks=%d bids=%d asks=%d", cTicks, cTicks/2, cTicks/2)
	if got := strings.TrimSpace(stdout.String()); got != want {
		t.Fatalf("C consumer said %q, want %q", got, want)
	}
}

func TestACPeerOfAnotherSchemaIsRefused(t *testing.T) {
	peer := buildCPeer(t)
	path := sock("c-schema")
	cmd := exec.Command(peer, "produce", path, "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_, err := tachyon.Listen(path, 1<<16, tachyon.WithFingerprint(market.SchemaFingerprint^1), tachyon.WithTimeout(10*time.Second))
	if !errors.Is(err, tachyon.ErrSchemaMismatch) {
		t.Fatalf("listen: %v", err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the C producer should have failed its handshake")
	}
}

func TestEveryCommittedTickOfAKilledCProducerArrives(t *testing.T) {
	// 45 commits: one publication of 32, then 13 committed but unpublished
	// when the producer kills itself, holding a filled, uncommitted 46th.
	const committed = 45
	peer := buildCPeer(t)
	path := sock("c-killed")
	cmd := exec.Command(peer, "die", path, fmt.Sprint(committed))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rx, err := tachyon.Listen(path, 1<<16, tachyon.WithFingerprint(market.SchemaFingerprint), tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	if err := cmd.Wait(); err == nil {
		t.Fatal("the C producer should have been killed")
	}
	for i := uint64(0); i < committed; i++ {
		if err := rx.Recv(context.Background(), func(typeID uint32, data []byte) error {
			return checkTick(typeID, data, i)
		}); err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
	}
	if _, err := rx.AcquireRx(context.Background()); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("after the committed ticks: %v", err)
	}
}
