package tachyon_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tachyon.local/tachyon"
)

// The inline hot path (bus.go mirrors tachyon.h's inline functions over
// C.tachyon_bus_hot_t): its common case agrees with the library, and every
// case it hands to the library still behaves (wrap, full, the publication
// batch, a corrupt frame, a wrong role, the counters).

func TestInPlaceMessagesOfEverySizeAcrossWraps(t *testing.T) {
	// A 1 KiB ring: frames of 64..512 bytes meet the ring end in every
	// position, so reservations at the next lap (the library's) alternate
	// with inline ones, and receives cross wrap markers.
	rx, tx := pair(t, "hot-wraps", 1<<10)
	max := tx.MaxMessageSize()
	const n = 5000
	done := make(chan error, 1)
	go func() {
		ctx := context.Background()
		for i := 0; i < n; i++ {
			size := i * 53 % (max + 1)
			m, err := tx.AcquireTx(ctx, max)
			if err != nil {
				done <- err
				return
			}
			copy(m.Bytes(), payload(i, size))
			if err := m.Commit(size, uint32(i)); err != nil {
				done <- err
				return
			}
		}
		done <- tx.Flush()
	}()
	var bytes uint64
	for i := 0; i < n; i++ {
		m, err := rx.AcquireRxTimeout(10 * time.Second)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		size := i * 53 % (max + 1)
		if m.TypeID() != uint32(i) || string(m.Data()) != string(payload(i, size)) {
			t.Fatalf("message %d: type %d, %d bytes", i, m.TypeID(), m.Size())
		}
		if err := m.Commit(); err != nil {
			t.Fatal(err)
		}
		bytes += uint64(size)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, s := range []tachyon.Stats{tx.Stats(), rx.Stats()} {
		if s.Messages != n || s.Bytes != bytes {
			t.Fatalf("counters %+v, want %d messages of %d bytes", s, n, bytes)
		}
	}
	if _, err := rx.TryAcquireRx(); !errors.Is(err, tachyon.ErrEmpty) {
		t.Fatalf("after the stream: %v", err)
	}
}

func TestAFullBatchOfCommitsIsPublishedWithoutFlush(t *testing.T) {
	rx, tx := pair(t, "hot-batch", 1<<16)
	const batch = 32 // TACHYON_BATCH
	for i := 0; i < batch-1; i++ {
		m, err := tx.TryAcquireTx(8)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Commit(8, uint32(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rx.TryAcquireRx(); !errors.Is(err, tachyon.ErrEmpty) {
		t.Fatalf("published before the batch filled: %v", err)
	}
	if p := tx.Stats().Publishes; p != 0 {
		t.Fatalf("%d publications before the batch filled", p)
	}
	m, err := tx.TryAcquireTx(8)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Commit(8, 99); err != nil {
		t.Fatal(err)
	}
	if p := tx.Stats().Publishes; p != 1 {
		t.Fatalf("%d publications after %d commits", p, batch)
	}
	for i := 0; i < batch; i++ {
		m, err := rx.TryAcquireRx()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		want := uint32(i)
		if i == batch-1 {
			want = 99
		}
		if m.TypeID() != want {
			t.Fatalf("message %d: type %d", i, m.TypeID())
		}
		if err := m.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAFullRingWaitsUntilItsDeadlineOrRoom(t *testing.T) {
	rx, tx := pair(t, "hot-full", 1<<10)
	sent := 0
	for {
		m, err := tx.TryAcquireTx(100)
		if errors.Is(err, tachyon.ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Commit(100, 1); err != nil {
			t.Fatal(err)
		}
		if sent++; sent > 100 {
			t.Fatal("a 1 KiB ring never filled")
		}
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := tx.AcquireTx(ctx, 100); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AcquireTx on a full ring: %v", err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Fatal("AcquireTx returned before its deadline")
	}
	// The failed call left nothing held; the consumer's commits free room.
	freed := make(chan error, 1)
	go func() {
		time.Sleep(20 * time.Millisecond)
		for i := 0; i < sent; i++ {
			m, err := rx.AcquireRxTimeout(10 * time.Second)
			if err == nil {
				err = m.Commit()
			}
			if err != nil {
				freed <- err
				return
			}
		}
		freed <- nil
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	m, err := tx.AcquireTx(ctx2, 100)
	if err != nil {
		t.Fatalf("AcquireTx after the consumer freed room: %v", err)
	}
	if err := m.Commit(100, 2); err != nil {
		t.Fatal(err)
	}
	if err := <-freed; err != nil {
		t.Fatal(err)
	}
}

func TestACorruptFrameHeaderIsReportedNotRead(t *testing.T) {
	rx, tx := pair(t, "hot-corrupt", 1<<12)
	for _, typeID := range []uint32{1, 2} {
		m, err := tx.TryAcquireTx(8)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Commit(8, typeID); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	m, err := rx.TryAcquireRx()
	if err != nil || m.TypeID() != 1 {
		t.Fatalf("first message: %v", err)
	}
	if err := m.Commit(); err != nil {
		t.Fatal(err)
	}
	// The second frame's size (its stamp still matches) becomes larger than
	// any message: only the size check can catch it.
	tachyon.CorruptFrameSizeForTest(tx, 64, 1<<20)
	if _, err := rx.TryAcquireRx(); !errors.Is(err, tachyon.ErrCorrupt) {
		t.Fatalf("corrupt frame: %v", err)
	}
	if _, err := rx.AcquireRxTimeout(time.Second); !errors.Is(err, tachyon.ErrCorrupt) {
		t.Fatalf("corrupt frame, waiting: %v", err)
	}
}

func TestTheOtherSidesInPlaceCallsAreStateErrors(t *testing.T) {
	rx, tx := pair(t, "hot-role", 1<<12)
	if _, err := rx.TryAcquireTx(8); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("consumer reserves: %v", err)
	}
	if _, err := rx.AcquireTx(context.Background(), 8); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("consumer reserves, waiting: %v", err)
	}
	if _, err := tx.AcquireRxTimeout(time.Second); !errors.Is(err, tachyon.ErrState) {
		t.Fatalf("producer receives: %v", err)
	}
	if err := tx.SendTimeout([]byte("ok"), 3, time.Second); err != nil {
		t.Fatal(err)
	}
	m, err := rx.AcquireRxTimeout(time.Second)
	if err != nil || m.TypeID() != 3 {
		t.Fatalf("after the refused calls: %v", err)
	}
	if err := m.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestTooLargeAReservationIsRefused(t *testing.T) {
	_, tx := pair(t, "hot-large", 1<<10)
	max := tx.MaxMessageSize()
	if _, err := tx.TryAcquireTx(max + 1); !errors.Is(err, tachyon.ErrTooLarge) {
		t.Fatalf("max+1: %v", err)
	}
	m, err := tx.TryAcquireTx(max)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Commit(max, 1); err != nil {
		t.Fatal(err)
	}
}
