// Command producer is the Go producer of the example streams: it connects to
// a consumer (retrying until it listens), writes every message in place in
// the ring through the tachc-generated views (generated/go), then sends End.
//
//	go_producer -socket PATH [-stream market|frames] [-count N] [-stamp index|clock]
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"tachyon.local/examples/peers/stream"
	"tachyon.local/generated/frames"
	"tachyon.local/generated/market"
	"tachyon.local/tachyon"
)

// connect retries while nobody listens yet (the consumer may still be starting).
func connect(path string, fingerprint uint64) (*tachyon.Bus, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		bus, err := tachyon.Connect(path, tachyon.WithFingerprint(fingerprint))
		if errors.Is(err, tachyon.ErrNoListener) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		return bus, err
	}
}

func sendMarket(ctx context.Context, bus *tachyon.Bus, a stream.Args) (asks uint64, err error) {
	for i := uint64(0); i < a.Count; i++ {
		tx, err := bus.AcquireTx(ctx, market.MarketTickSize)
		if err != nil {
			return asks, err
		}
		tick, err := market.NewMarketTick(tx.Bytes())
		if err != nil {
			return asks, err
		}
		tick.Clear() // the padding travels as zeros
		if err := tick.SetSymbol(stream.TickSymbol(i)); err != nil {
			return asks, err
		}
		tick.SetPrice(stream.TickPrice(i))
		tick.SetQuantity(stream.TickQuantity(i))
		if a.Clock {
			tick.SetTimestamp(stream.RealtimeNs())
		} else {
			tick.SetTimestamp(stream.TickTimestamp(i))
		}
		typeID := stream.TickType(i)
		if err := tx.Commit(market.MarketTickSize, typeID); err != nil {
			return asks, err
		}
		if typeID == market.MsgAsk {
			asks++
		}
	}
	return asks, bus.Send(ctx, nil, market.MsgEnd)
}

func sendFrames(ctx context.Context, bus *tachyon.Bus, a stream.Args) error {
	for i := uint64(0); i < a.Count; i++ {
		tx, err := bus.AcquireTx(ctx, frames.FrameSize)
		if err != nil {
			return err
		}
		frame, err := frames.NewFrame(tx.Bytes())
		if err != nil {
			return err
		}
		for k := 0; k < frames.FrameSamplesLen; k++ {
			frame.SetSamples(k, stream.FrameSample(i, k))
		}
		if err := tx.Commit(frames.FrameSize, frames.MsgFrame); err != nil {
			return err
		}
	}
	return bus.Send(ctx, nil, frames.MsgEnd)
}

func main() {
	a := stream.Parse("producer")
	bus, err := connect(a.Socket, a.Fingerprint())
	if errors.Is(err, tachyon.ErrSchemaMismatch) {
		fmt.Fprintf(os.Stderr, "producer: refused at connect: schema mismatch (%v)\n", err)
		os.Exit(stream.ExitSchema)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "producer: connect %s: %v\n", a.Socket, err)
		os.Exit(stream.ExitFail)
	}
	defer bus.Close()
	// A stalled consumer is an error, not a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	var what string
	if a.Market {
		var asks uint64
		asks, err = sendMarket(ctx, bus, a)
		what = fmt.Sprintf("%d ticks (%d bid, %d ask)", a.Count, a.Count-asks, asks)
	} else {
		err = sendFrames(ctx, bus, a)
		what = fmt.Sprintf("%d frames of %d bytes", a.Count, frames.FrameSize)
	}
	secs := time.Since(start).Seconds()
	if err != nil {
		fmt.Fprintf(os.Stderr, "producer: %v\n", err)
		bus.Close()
		os.Exit(stream.ExitFail)
	}
	if !a.Quiet {
		fmt.Printf("producer: sent %s + End\n", what)
		fmt.Printf("producer: %.3f s, %.2f M msg/s\n", secs, float64(a.Count)/secs/1e6)
	}
}
