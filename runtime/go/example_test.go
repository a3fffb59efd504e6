package tachyon_test

import (
	"context"
	"fmt"
	"os"

	"tachyon.local/generated/market"
	"tachyon.local/tachyon"
)

// A consumer goroutine and a producer in one process; across processes the
// code is the same, with Listen and Connect in different programs.
func Example() {
	path := fmt.Sprintf("@tachyon-example-%d", os.Getpid())
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus, err := tachyon.Listen(path, 1<<16)
		if err != nil {
			panic(err)
		}
		defer bus.Close()
		err = bus.Recv(context.Background(), func(typeID uint32, data []byte) error {
			fmt.Printf("received %d bytes, type_id=%d: %s\n", len(data), typeID, data)
			return nil
		})
		if err != nil {
			panic(err)
		}
	}()
	bus, err := tachyon.Connect(path)
	if err != nil {
		panic(err)
	}
	defer bus.Close()
	if err := bus.Send(context.Background(), []byte("hello tachyon"), 1); err != nil {
		panic(err)
	}
	<-done
	// Output: received 13 bytes, type_id=1: hello tachyon
}

// Typed messages: write a MarketTick in place with the generated view, read
// it back by type id.
func Example_marketTick() {
	path := fmt.Sprintf("@tachyon-example-tick-%d", os.Getpid())
	schema := tachyon.WithFingerprint(market.SchemaFingerprint)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus, err := tachyon.Listen(path, 1<<16, schema)
		if err != nil {
			panic(err)
		}
		defer bus.Close()
		for end := false; !end; {
			err := bus.Recv(context.Background(), func(typeID uint32, data []byte) error {
				v, err := market.Decode(typeID, data)
				if tick, ok := v.(market.MarketTick); ok {
					fmt.Printf("%s %s %.2f x %d\n", market.MessageName(typeID), tick.Symbol(), tick.Price(), tick.Quantity())
				}
				end = typeID == market.MsgEnd
				return err
			})
			if err != nil {
				panic(err)
			}
		}
	}()
	bus, err := tachyon.Connect(path, schema)
	if err != nil {
		panic(err)
	}
	defer bus.Close()
	ctx := context.Background()
	slot, err := bus.AcquireTx(ctx, market.MarketTickSize)
	if err != nil {
		panic(err)
	}
	tick := market.MarketTick(slot.Bytes())
	tick.SetSymbol("BTCUSDT")
	tick.SetPrice(64250.5)
	tick.SetQuantity(3)
	if err := slot.Commit(market.MarketTickSize, market.MsgBid); err != nil {
		panic(err)
	}
	if err := bus.Send(ctx, nil, market.MsgEnd); err != nil { // Send publishes everything before it
		panic(err)
	}
	<-done
	// Output: Bid BTCUSDT 64250.50 x 3
}
