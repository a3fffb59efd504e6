package tachyon_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"tachyon.local/tachyon"
)

// sentinels is the package's list of codes; the test below fails when the
// linked library's TACHYON_ERROR_LIST has a code it does not cover.
var sentinels = []tachyon.Error{
	tachyon.ErrInvalidArg, tachyon.ErrNoMemory, tachyon.ErrSystem, tachyon.ErrPathTooLong,
	tachyon.ErrAddrInUse, tachyon.ErrNoListener, tachyon.ErrPermission, tachyon.ErrHandshake,
	tachyon.ErrABIMismatch, tachyon.ErrByteOrder, tachyon.ErrAlignment, tachyon.ErrCapacity,
	tachyon.ErrSchemaMismatch, tachyon.ErrTimeout, tachyon.ErrInterrupted, tachyon.ErrFull,
	tachyon.ErrEmpty, tachyon.ErrTooLarge, tachyon.ErrPeerGone, tachyon.ErrCorrupt, tachyon.ErrState, tachyon.ErrLagged,
}

// sentinelNames are the exported names of the sentinels, in order (Go spells
// the initialism ABI in capitals; the C short name is AbiMismatch).
var sentinelNames = []string{
	"ErrInvalidArg", "ErrNoMemory", "ErrSystem", "ErrPathTooLong", "ErrAddrInUse", "ErrNoListener",
	"ErrPermission", "ErrHandshake", "ErrABIMismatch", "ErrByteOrder", "ErrAlignment", "ErrCapacity",
	"ErrSchemaMismatch", "ErrTimeout", "ErrInterrupted", "ErrFull", "ErrEmpty", "ErrTooLarge",
	"ErrPeerGone", "ErrCorrupt", "ErrState", "ErrLagged",
}

func TestSentinelsFollowTheCErrorTable(t *testing.T) {
	if len(sentinels) != len(sentinelNames) {
		t.Fatal("sentinel lists differ in length")
	}
	if tachyon.Error(0).Name() != "Ok" {
		t.Fatalf("code 0 is %q", tachyon.Error(0).Name())
	}
	codes := 0
	for code := tachyon.Error(1); code.Name() != ""; code++ {
		codes++
		i := int(code) - 1
		if i >= len(sentinels) {
			t.Errorf("libtachyon has code %d (%s) and the Go package no sentinel for it", int(code), code.Name())
			continue
		}
		if sentinels[i] != code || !strings.EqualFold(sentinelNames[i], "Err"+code.Name()) {
			t.Errorf("code %d is %s in the C table, %s (%d) here", int(code), code.Name(), sentinelNames[i],
				int(sentinels[i]))
		}
	}
	if codes != len(sentinels) {
		t.Errorf("the C table has %d codes, the Go package %d", codes, len(sentinels))
	}
}

func TestSystemErrorKeepsItsErrno(t *testing.T) {
	dir := fmt.Sprintf("/tmp/tachyon-go-test-%d-no-such-dir", os.Getpid())
	_, err := tachyon.Listen(dir+"/sock", 1<<12)
	if !errors.Is(err, tachyon.ErrSystem) || !errors.Is(err, syscall.ENOENT) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("listen in a missing folder: %v", err)
	}
	var f *tachyon.Failure
	if !errors.As(err, &f) || f.Code != tachyon.ErrSystem || f.Errno != syscall.ENOENT {
		t.Fatalf("not a *Failure with ENOENT: %#v", err)
	}
	var code tachyon.Error
	if !errors.As(err, &code) || code != tachyon.ErrSystem {
		t.Fatalf("errors.As to the code: %v", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "tachyon: unexpected system call failure: ") ||
		!strings.HasSuffix(msg, "(errno 2)") {
		t.Fatalf("text: %q", msg)
	}
}

func TestErrorTextsCarryTheirNumbers(t *testing.T) {
	start := time.Now()
	_, err := tachyon.Connect(sock("nobody-waited"), tachyon.WithTimeout(40*time.Millisecond))
	var f *tachyon.Failure
	if !errors.Is(err, tachyon.ErrNoListener) || !errors.As(err, &f) {
		t.Fatalf("no listener: %v", err)
	}
	if f.Waited < 40*time.Millisecond || f.Waited > time.Since(start) {
		t.Fatalf("waited %v", f.Waited)
	}
	if !strings.HasPrefix(err.Error(), "tachyon: no listener on the socket path (waited 0.0") {
		t.Fatalf("text: %q", err.Error())
	}

	_, tx := pair(t, "too-large", 1<<10)
	err = tx.Send(context.Background(), make([]byte, 600), 1)
	if !errors.Is(err, tachyon.ErrTooLarge) || !errors.As(err, &f) || f.Size != 600 || f.Max != 496 {
		t.Fatalf("too large: %#v", err)
	}
	if !strings.HasSuffix(err.Error(), "message larger than the bus maximum (600 bytes, at most 496)") {
		t.Fatalf("text: %q", err.Error())
	}
	if _, err := tx.TryAcquireTx(497); !errors.As(err, &f) || f.Size != 497 || f.Max != 496 {
		t.Fatalf("reserve too large: %v", err)
	}
	// Codes without numbers stay the plain sentinels (no allocation).
	if err := tx.TrySend(nil, 1); err != nil {
		t.Fatal(err)
	}
}

func TestVersionsAgreeWithTheVersionFile(t *testing.T) {
	file, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(file))
	if tachyon.Version != want || tachyon.LibraryVersion() != want {
		t.Fatalf("VERSION %q, Go package %q, libtachyon %q", want, tachyon.Version, tachyon.LibraryVersion())
	}
}
