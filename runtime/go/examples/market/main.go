// Command market sends or receives a MarketTick feed through the generated Go
// views (generated/go/market), writing each tick in place in the ring.
//
//	go run ./examples/market                      both sides, two goroutines
//	go run ./examples/market consume PATH         listen, count ticks until End
//	go run ./examples/market produce PATH N       connect, send N ticks and End
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"tachyon.local/generated/market"
	"tachyon.local/tachyon"
)

const capacity = 1 << 20

var schema = tachyon.WithFingerprint(market.SchemaFingerprint)

// produce sends n ticks and End; it returns the producer's messages per second.
func produce(bus *tachyon.Bus, n int) (float64, error) {
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < n; i++ {
		slot, err := bus.AcquireTx(ctx, market.MarketTickSize)
		if err != nil {
			return 0, err
		}
		tick := market.MarketTick(slot.Bytes())
		if i%2 == 0 {
			tick.SetSymbol("BTCUSDT")
		} else {
			tick.SetSymbol("ETHUSDT")
		}
		tick.SetPrice(50000 + float64(i%1000)*0.5)
		tick.SetQuantity(uint32(i%100) + 1)
		tick.SetTimestamp(uint64(i))
		typeID := market.MsgBid
		if i%2 == 1 {
			typeID = market.MsgAsk
		}
		if err := slot.Commit(market.MarketTickSize, typeID); err != nil {
			return 0, err
		}
	}
	if err := bus.Send(ctx, nil, market.MsgEnd); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

type tally struct {
	bids, asks, quantity uint64
	rate                 float64
}

// consume reads ticks until End, up to 256 per wake-up: RecvBatch commits
// them with one head update.
func consume(bus *tachyon.Bus) (tally, error) {
	var t tally
	var start time.Time
	for end := false; !end; {
		_, err := bus.RecvBatch(context.Background(), 256, func(typeID uint32, data []byte) error {
			if start.IsZero() {
				start = time.Now()
			}
			switch typeID {
			case market.MsgEnd:
				end = true
				return nil
			case market.MsgBid:
				t.bids++
			case market.MsgAsk:
				t.asks++
			default:
				return fmt.Errorf("unknown type id %d", typeID)
			}
			tick, err := market.NewMarketTick(data)
			if err != nil {
				return err
			}
			t.quantity += uint64(tick.Quantity())
			return nil
		})
		if err != nil {
			return t, err
		}
	}
	t.rate = float64(t.bids+t.asks) / time.Since(start).Seconds()
	return t, nil
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "consume":
		bus, err := tachyon.Listen(args[1], capacity, schema)
		if err != nil {
			return err
		}
		defer bus.Close()
		t, err := consume(bus)
		if err != nil {
			return err
		}
		fmt.Printf("consumer: %d ticks (%d bids, %d asks, quantity %d), %.2f M msg/s\n",
			t.bids+t.asks, t.bids, t.asks, t.quantity, t.rate/1e6)
	case len(args) == 3 && args[0] == "produce":
		n, err := strconv.Atoi(args[2])
		if err != nil {
			return err
		}
		bus, err := tachyon.Connect(args[1], schema)
		if err != nil {
			return err
		}
		defer bus.Close()
		rate, err := produce(bus, n)
		if err != nil {
			return err
		}
		fmt.Printf("producer: %d MarketTick in place, %.2f M msg/s\n", n, rate/1e6)
	case len(args) == 0:
		const n = 2000000
		path := fmt.Sprintf("@tachyon-go-market-%d", os.Getpid())
		done := make(chan error, 1)
		var t tally
		go func() {
			bus, err := tachyon.Listen(path, capacity, schema)
			if err != nil {
				done <- err
				return
			}
			defer bus.Close()
			t, err = consume(bus)
			done <- err
		}()
		bus, err := tachyon.Connect(path, schema)
		if err != nil {
			return err
		}
		rate, err := produce(bus, n)
		bus.Close()
		if err != nil {
			return err
		}
		if err := <-done; err != nil {
			return err
		}
		if t.bids != n/2 || t.asks != n/2 {
			return fmt.Errorf("consumer saw %d bids and %d asks, want %d each", t.bids, t.asks, n/2)
		}
		fmt.Printf("producer: %d MarketTick in place, %.2f M msg/s\n", n, rate/1e6)
		fmt.Printf("consumer: %d ticks (%d bids, %d asks), %.2f M msg/s\n", t.bids+t.asks, t.bids, t.asks, t.rate/1e6)
	default:
		return fmt.Errorf("usage: market [consume PATH | produce PATH N]")
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "market:", err)
		os.Exit(1)
	}
}
