// Command consumer is the Go consumer of the example streams: it listens,
// reads every message in place through the tachc-generated views (decoded by
// type id), and checks it against the deterministic stream (type, every
// field, order, count) until End.
//
//	go_consumer -socket PATH [-stream market|frames] [-count N] [-stamp index|clock] [-capacity BYTES]
package main

import (
	"bytes"
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

// errEnd stops the receive loop at the End message.
var errEnd = errors.New("end of stream")

type tally struct {
	args     stream.Args
	received uint64
	asks     uint64
	checksum uint64
	latency  []uint64
	last     uint64 // clock stamps never go backwards
}

// tick checks tick t.received through the generated view: by type id as
// market.Decode does, but without its `any` result, which would box the view
// (a heap allocation per message); the symbol is compared byte for byte in
// place, as the C consumer does (its NUL padding included).
func (t *tally) tick(typeID uint32, data []byte) error {
	i := t.received
	var tick market.MarketTick
	var err error
	switch typeID {
	case market.MsgEnd:
		if len(data) == 0 {
			return errEnd
		}
		return fmt.Errorf("tick %d: End with %d bytes", i, len(data))
	case market.MsgBid, market.MsgAsk:
		if tick, err = market.NewMarketTick(data); err != nil {
			return fmt.Errorf("tick %d: %w", i, err)
		}
	default:
		return fmt.Errorf("tick %d: %w", i, &market.UnknownTypeError{TypeID: typeID})
	}
	if i >= t.args.Count {
		return fmt.Errorf("more than the %d messages expected", t.args.Count)
	}
	price, quantity, stamp := tick.Price(), tick.Quantity(), tick.Timestamp()
	if typeID != stream.TickType(i) || !bytes.Equal(tick.SymbolBytes(), stream.TickSymbolBytes(i)) ||
		price != stream.TickPrice(i) || quantity != stream.TickQuantity(i) ||
		(!t.args.Clock && stamp != stream.TickTimestamp(i)) {
		return fmt.Errorf("tick %d differs: got %s %q %.2f x %d @ %d, expected %s %s %.2f x %d @ %d", i,
			market.MessageName(typeID), tick.SymbolBytes(), price, quantity, stamp, market.MessageName(stream.TickType(i)),
			stream.TickSymbol(i), stream.TickPrice(i), stream.TickQuantity(i), stream.TickTimestamp(i))
	}
	if t.args.Clock {
		now := stream.RealtimeNs()
		if stamp < t.last || stamp > now {
			return fmt.Errorf("tick %d: clock stamp %d after %d, received at %d", i, stamp, t.last, now)
		}
		t.last = stamp
		t.latency = append(t.latency, now-stamp)
	}
	if typeID == market.MsgAsk {
		t.asks++
	}
	t.checksum += uint64(quantity) + uint64(price*4)
	t.received++
	return nil
}

// frame checks every sample of frame t.received.
func (t *tally) frame(typeID uint32, data []byte) error {
	i := t.received
	view, err := frames.Decode(typeID, data)
	if err != nil {
		return fmt.Errorf("frame %d: %w", i, err)
	}
	if view == nil && len(data) == 0 {
		return errEnd
	}
	f, ok := view.(frames.Frame)
	if !ok {
		return fmt.Errorf("frame %d: type %d is not a Frame", i, typeID)
	}
	if i >= t.args.Count {
		return fmt.Errorf("more than the %d messages expected", t.args.Count)
	}
	for k := 0; k < frames.FrameSamplesLen; k++ {
		v := f.Samples(k)
		if v != stream.FrameSample(i, k) {
			return fmt.Errorf("frame %d sample %d is %g, expected %g", i, k, v, stream.FrameSample(i, k))
		}
		t.checksum += uint64(v)
	}
	t.received++
	return nil
}

func main() {
	a := stream.Parse("consumer")
	bus, err := tachyon.Listen(a.Socket, a.Capacity, tachyon.WithFingerprint(a.Fingerprint()),
		tachyon.WithTimeout(30*time.Second), tachyon.WithSpin(20000))
	if errors.Is(err, tachyon.ErrSchemaMismatch) {
		fmt.Fprintf(os.Stderr, "consumer: refused the producer: schema mismatch (%v)\n", err)
		os.Exit(stream.ExitSchema)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "consumer: listen %s: %v\n", a.Socket, err)
		os.Exit(stream.ExitFail)
	}
	t := &tally{args: a}
	check := t.frame
	if a.Market {
		check = t.tick
		if a.Clock {
			t.latency = make([]uint64, 0, a.Count)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var start time.Time
	for err == nil {
		_, err = bus.RecvBatch(ctx, 64, func(typeID uint32, data []byte) error {
			if start.IsZero() {
				start = time.Now()
			}
			return check(typeID, data)
		})
	}
	secs := time.Since(start).Seconds()
	bus.Close()
	if err != errEnd {
		fmt.Fprintf(os.Stderr, "consumer: after %d messages, before End: %v\n", t.received, err)
		os.Exit(stream.ExitFail)
	}
	if t.received != a.Count {
		fmt.Fprintf(os.Stderr, "consumer: End after %d messages, expected %d\n", t.received, a.Count)
		os.Exit(stream.ExitFail)
	}
	if a.Quiet {
		return
	}
	rate := float64(t.received) / secs
	if a.Market {
		fmt.Printf("consumer: %d ticks (%d bid, %d ask) + End in %.3f s: %.2f M msg/s, checksum %016x\n",
			t.received, t.received-t.asks, t.asks, secs, rate/1e6, t.checksum)
	} else {
		fmt.Printf("consumer: %d frames + End in %.3f s: %.0f frames/s, %.2f GB/s, checksum %016x\n",
			t.received, secs, rate, rate*frames.FrameSize/1e9, t.checksum)
	}
	if len(t.latency) > 0 {
		fmt.Println(stream.LatencyLine(t.latency))
	}
	fmt.Println("consumer: OK, every field of every message checked")
}
