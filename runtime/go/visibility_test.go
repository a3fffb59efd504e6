package tachyon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"tachyon.local/tachyon"
)

// Issue 12 through the package: whatever one side committed becomes visible
// to the other in time, for every producer mode (polling TryAcquireTx that
// retries on ErrFull and never flushes, blocking AcquireTx, AcquireTx with a
// context deadline) against every consumer mode (polling TryAcquireRx,
// blocking AcquireRx, polling DrainBatch), at payloads of 64 B, capacity/16
// and the maximum. A stream that deadlocks fails after a 20 s guard.
func TestEveryProducerModeAgainstEveryConsumerMode(t *testing.T) {
	const capacity = 64 << 10
	const guard = 20 * time.Second
	producers := []string{"poll", "block", "deadline"}
	consumers := []string{"poll", "block", "batch"}
	n := 0
	for _, pm := range producers {
		for _, cm := range consumers {
			for _, size := range []int{64, capacity / 16, capacity/2 - 16} {
				n++
				name := fmt.Sprintf("%s-%s-%d", pm, cm, size)
				t.Run(name, func(t *testing.T) {
					rx, tx := pair(t, fmt.Sprintf("vis-%d", n), capacity)
					count := max(20*capacity/(size+64), 64)
					ctx, cancel := context.WithTimeout(context.Background(), guard)
					defer cancel()
					errc := make(chan error, 1)
					go func() { errc <- produceAll(ctx, tx, pm, size, count) }()
					err := consumeAll(ctx, rx, cm, size, count)
					if err != nil {
						rx.Close() // a producer still waiting ends with ErrPeerGone
					}
					if perr := <-errc; err == nil {
						err = perr
					}
					if err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

func produceAll(ctx context.Context, tx *tachyon.Bus, mode string, size, count int) error {
	for i := 0; i < count; i++ {
		var slot tachyon.Tx
		var err error
		switch mode {
		case "poll": // the user: retry on ErrFull, never flush
			for slot, err = tx.TryAcquireTx(size); errors.Is(err, tachyon.ErrFull); slot, err = tx.TryAcquireTx(size) {
				if ctx.Err() != nil {
					return fmt.Errorf("producer polled ErrFull until the guard, at message %d", i)
				}
				runtime.Gosched()
			}
		case "block":
			slot, err = tx.AcquireTx(context.Background(), size)
		case "deadline":
			slot, err = tx.AcquireTx(ctx, size)
		}
		if err != nil {
			return fmt.Errorf("producer at message %d: %w", i, err)
		}
		copy(slot.Bytes(), payload(i, size))
		if err := slot.Commit(size, uint32(i%1000)); err != nil {
			return err
		}
	}
	return tx.Flush() // only the stream's last partial batch needs it
}

func consumeAll(ctx context.Context, rx *tachyon.Bus, mode string, size, count int) error {
	check := func(i int, typeID uint32, data []byte) error {
		if typeID != uint32(i%1000) || !bytes.Equal(data, payload(i, size)) {
			return fmt.Errorf("message %d arrived wrong", i)
		}
		return nil
	}
	for next := 0; next < count; {
		if ctx.Err() != nil {
			return fmt.Errorf("consumer still waiting for message %d of %d at the guard", next, count)
		}
		switch mode {
		case "poll":
			msg, err := rx.TryAcquireRx()
			if errors.Is(err, tachyon.ErrEmpty) {
				runtime.Gosched()
				continue
			}
			if err != nil {
				return fmt.Errorf("consumer at %d: %w", next, err)
			}
			if err := check(next, msg.TypeID(), msg.Data()); err != nil {
				return err
			}
			if err := msg.Commit(); err != nil {
				return err
			}
			next++
		case "block":
			err := rx.Recv(ctx, func(typeID uint32, data []byte) error { return check(next, typeID, data) })
			if err != nil {
				return fmt.Errorf("consumer at %d: %w", next, err)
			}
			next++
		case "batch":
			bt, err := rx.DrainBatch(16)
			if err != nil {
				return fmt.Errorf("consumer at %d: %w", next, err)
			}
			if bt.Len() == 0 {
				runtime.Gosched()
				continue
			}
			for i := 0; i < bt.Len(); i++ {
				if err := check(next, bt.TypeID(i), bt.Data(i)); err != nil {
					return err
				}
				next++
			}
			if err := bt.Commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// A context that is cancelled (no deadline) ends a wait blocked in C at once:
// the binding interrupts the C call instead of waking up in slices.
func TestCancelEndsABlockedWait(t *testing.T) {
	rx, tx := pair(t, "cancel-wait", 1<<10)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	if _, err := rx.AcquireRx(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled receive: %v", err)
	}
	if time.Since(start) > 5*time.Second { // a hang guard, not a speed check
		t.Fatal("the cancelled receive did not return")
	}
	// The bus works on after the interrupt, and a message is not lost.
	if err := tx.Send(context.Background(), []byte("after"), 3); err != nil {
		t.Fatal(err)
	}
	err := rx.Recv(context.Background(), func(id uint32, d []byte) error {
		if id != 3 || string(d) != "after" {
			return fmt.Errorf("got %d %q", id, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same for a producer waiting for room.
	for tx.TrySend(make([]byte, 100), 1) == nil {
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	if err := tx.Send(ctx, make([]byte, 100), 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled send: %v", err)
	}
}
