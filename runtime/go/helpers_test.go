package tachyon_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tachyon.local/tachyon"
)

// peerEnv names the role a re-executed test binary plays (see TestMain).
const peerEnv = "TACHYON_GO_TEST_PEER"

func TestMain(m *testing.M) {
	if role := os.Getenv(peerEnv); role != "" {
		os.Exit(runPeer(role))
	}
	code := m.Run()
	if cPeerPath != "" {
		os.RemoveAll(filepath.Dir(cPeerPath))
	}
	os.Exit(code)
}

// sock returns an abstract-namespace socket name unique to this process.
func sock(name string) string {
	return fmt.Sprintf("@tachyon-go-test-%d-%s", os.Getpid(), name)
}

// pair connects a consumer and a producer inside this process.
func pair(t *testing.T, name string, capacity int, opts ...tachyon.Option) (rx, tx *tachyon.Bus) {
	t.Helper()
	path := sock(name)
	type result struct {
		bus *tachyon.Bus
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := tachyon.Listen(path, capacity, append(opts, tachyon.WithTimeout(10*time.Second))...)
		done <- result{b, err}
	}()
	tx, err := tachyon.Connect(path, append(opts, tachyon.WithTimeout(10*time.Second))...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("listen: %v", r.err)
	}
	t.Cleanup(func() { r.bus.Close(); tx.Close() })
	return r.bus, tx
}

// payload returns deterministic bytes for message i.
func payload(i, n int) []byte {
	p := make([]byte, n)
	for k := range p {
		p[k] = byte(i*31 + k*7)
	}
	return p
}
