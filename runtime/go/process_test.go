package tachyon_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"tachyon.local/tachyon"
)

// The peer process: this test binary re-executed with peerEnv set.
const (
	pathEnv  = "TACHYON_GO_TEST_PATH"
	countEnv = "TACHYON_GO_TEST_COUNT"
)

// runPeer plays one role in a child process and returns its exit status.
func runPeer(role string) int {
	n, _ := strconv.Atoi(os.Getenv(countEnv))
	bus, err := tachyon.Connect(os.Getenv(pathEnv), tachyon.WithTimeout(10*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer connect:", err)
		return 2
	}
	for i := 0; i < n; i++ {
		tx, err := bus.AcquireTx(context.Background(), 8)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer acquire:", err)
			return 3
		}
		binary.LittleEndian.PutUint64(tx.Bytes(), uint64(i)*3)
		if err := tx.Commit(8, uint32(i%7)); err != nil {
			fmt.Fprintln(os.Stderr, "peer commit:", err)
			return 4
		}
	}
	switch role {
	case "produce":
		bus.Close()
	case "die":
		// Exit without closing or flushing: the consumer must still get
		// every committed message, then notice the death.
	default:
		return 5
	}
	return 0
}

func startPeer(t *testing.T, role, path string, n int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), peerEnv+"="+role, pathEnv+"="+path, countEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func receiveSequence(t *testing.T, rx *tachyon.Bus, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := rx.Recv(context.Background(), func(id uint32, d []byte) error {
			if id != uint32(i%7) || len(d) != 8 || binary.LittleEndian.Uint64(d) != uint64(i)*3 {
				return fmt.Errorf("message %d: type %d %v", i, id, d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestTwoProcesses(t *testing.T) {
	const n = 100000
	path := sock("proc")
	cmd := startPeer(t, "produce", path, n)
	rx, err := tachyon.Listen(path, 1<<14, tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	receiveSequence(t, rx, n)
	if _, err := rx.AcquireRx(context.Background()); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("end of stream: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("peer: %v", err)
	}
}

func TestPeerDeathIsNoticedAfterDelivery(t *testing.T) {
	const n = 10 // fewer than one publication batch: nothing is published before the death
	path := sock("death")
	cmd := startPeer(t, "die", path, n)
	rx, err := tachyon.Listen(path, 1<<14, tachyon.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("peer: %v", err)
	}
	receiveSequence(t, rx, n)
	start := time.Now()
	if _, err := rx.AcquireRx(context.Background()); !errors.Is(err, tachyon.ErrPeerGone) {
		t.Fatalf("after death: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("death noticed after %v", d)
	}
}
