package tachyon_test

import (
	"context"
	"testing"

	"tachyon.local/generated/market"
	"tachyon.local/tachyon"
)

// BenchmarkMarketTickProducer writes MarketTicks in place through the
// generated view; a goroutine drains them in batches.
//
//	go test -run '^$' -bench MarketTick -benchtime 2000000x
func BenchmarkMarketTickProducer(b *testing.B) {
	rx, tx := pairB(b, "bench-producer")
	done := make(chan uint64)
	go func() {
		var n uint64
		for {
			c, err := rx.RecvBatch(context.Background(), 256, func(uint32, []byte) error { return nil })
			n += uint64(c)
			if err != nil {
				done <- n
				return
			}
		}
	}()
	ctx := context.Background()
	b.SetBytes(market.MarketTickSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		slot, err := tx.AcquireTx(ctx, market.MarketTickSize)
		if err != nil {
			b.Fatal(err)
		}
		tick := market.MarketTick(slot.Bytes())
		tick.SetPrice(float64(i))
		tick.SetQuantity(uint32(i))
		tick.SetTimestamp(uint64(i))
		if err := slot.Commit(market.MarketTickSize, market.MsgBid); err != nil {
			b.Fatal(err)
		}
	}
	tx.Close()
	if got := <-done; got != uint64(b.N) {
		b.Fatalf("consumer saw %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mmsg/s")
}

// BenchmarkMarketTickConsumer reads MarketTicks one Recv at a time.
func BenchmarkMarketTickConsumer(b *testing.B) {
	rx, tx := pairB(b, "bench-consumer")
	go func() {
		var tick [market.MarketTickSize]byte
		for i := 0; i < b.N; i++ {
			if tx.Send(context.Background(), tick[:], market.MsgBid) != nil {
				return
			}
		}
	}()
	var sum uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := rx.Recv(context.Background(), func(_ uint32, data []byte) error {
			tick, err := market.NewMarketTick(data)
			sum += uint64(tick.Quantity())
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mmsg/s")
}

func pairB(b *testing.B, name string) (rx, tx *tachyon.Bus) {
	path := sock(name)
	done := make(chan *tachyon.Bus, 1)
	go func() {
		bus, err := tachyon.Listen(path, 1<<20)
		if err != nil {
			b.Error(err)
		}
		done <- bus
	}()
	tx, err := tachyon.Connect(path)
	if err != nil {
		b.Fatal(err)
	}
	rx = <-done
	b.Cleanup(func() { rx.Close(); tx.Close() })
	return rx, tx
}

// BenchmarkMarketTickSendBatch fills 256 ticks through the generated view in
// a Go buffer and sends them with one SendBatch call.
func BenchmarkMarketTickSendBatch(b *testing.B) {
	rx, tx := pairB(b, "bench-sendbatch")
	done := make(chan uint64)
	go func() {
		var n uint64
		for {
			c, err := rx.RecvBatch(context.Background(), 256, func(uint32, []byte) error { return nil })
			n += uint64(c)
			if err != nil {
				done <- n
				return
			}
		}
	}()
	const batch = 256
	records := make([]byte, batch*market.MarketTickSize)
	typeIDs := make([]uint32, batch)
	ctx := context.Background()
	b.SetBytes(market.MarketTickSize)
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		n := min(batch, b.N-i)
		for k := 0; k < n; k++ {
			tick := market.MarketTick(records[k*market.MarketTickSize : (k+1)*market.MarketTickSize])
			tick.SetPrice(float64(i + k))
			tick.SetQuantity(uint32(i + k))
			tick.SetTimestamp(uint64(i + k))
			typeIDs[k] = market.MsgBid
		}
		if _, err := tx.SendBatch(ctx, records, market.MarketTickSize, typeIDs[:n]); err != nil {
			b.Fatal(err)
		}
	}
	tx.Close()
	if got := <-done; got != uint64(b.N) {
		b.Fatalf("consumer saw %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mmsg/s")
}
