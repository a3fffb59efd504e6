package tachyon_test

import (
	"context"
	"errors"
	"testing"

	"tachyon.local/generated/market"
	"tachyon.local/tachyon"
)

var tickSymbols = [3]string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}

// fillTick writes tick i as runtime/rust/tests/market_peer.c's fill_tick
// does and returns its type id.
func fillTick(t market.MarketTick, i uint64) uint32 {
	t.Clear()
	if err := t.SetSymbol(tickSymbols[i%3]); err != nil {
		panic(err)
	}
	t.SetPrice(100.0 + float64(i)*0.25)
	t.SetQuantity(uint32(i*7 + 1))
	t.SetTimestamp(1700000000000000000 + i)
	return tickType(i)
}

func tickType(i uint64) uint32 {
	if i%2 == 1 {
		return market.MsgAsk
	}
	return market.MsgBid
}

// checkTick reports how tick differs from tick i, or nil.
func checkTick(typeID uint32, data []byte, i uint64) error {
	tick, err := market.NewMarketTick(data)
	if err != nil {
		return err
	}
	if typeID != tickType(i) || tick.Symbol() != tickSymbols[i%3] || tick.Price() != 100.0+float64(i)*0.25 ||
		tick.Quantity() != uint32(i*7+1) || tick.Timestamp() != 1700000000000000000+i {
		return errors.New("tick " + tick.Symbol() + " differs from the expected values")
	}
	return nil
}

func TestTypedTicksInPlace(t *testing.T) {
	rx, tx := pair(t, "typed", 1<<12, tachyon.WithFingerprint(market.SchemaFingerprint))
	const n = 1000
	errc := make(chan error, 1)
	go func() {
		for i := uint64(0); i < n; i++ {
			slot, err := tx.AcquireTx(context.Background(), market.MarketTickSize)
			if err != nil {
				errc <- err
				return
			}
			typeID := fillTick(market.MarketTick(slot.Bytes()), i)
			if err := slot.Commit(market.MarketTickSize, typeID); err != nil {
				errc <- err
				return
			}
		}
		errc <- tx.Send(context.Background(), nil, market.MsgEnd)
	}()
	var bids, asks, i uint64
	for done := false; !done; {
		err := rx.Recv(context.Background(), func(typeID uint32, data []byte) error {
			v, err := market.Decode(typeID, data)
			if err != nil {
				return err
			}
			switch typeID {
			case market.MsgEnd:
				done = true
				return nil
			case market.MsgBid:
				bids++
			case market.MsgAsk:
				asks++
			}
			if _, ok := v.(market.MarketTick); !ok {
				t.Fatalf("Decode gave %T", v)
			}
			i++
			return checkTick(typeID, data, i-1)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if bids != n/2 || asks != n/2 {
		t.Fatalf("bids %d asks %d", bids, asks)
	}
}

func TestShortPayloadIsADecodeError(t *testing.T) {
	rx, tx := pair(t, "short", 1<<12)
	tx.Send(context.Background(), []byte{1, 2, 3}, market.MsgBid)
	err := rx.Recv(context.Background(), func(typeID uint32, data []byte) error {
		_, err := market.Decode(typeID, data)
		return err
	})
	var size *market.SizeError
	if !errors.As(err, &size) {
		t.Fatalf("short MarketTick: %v", err)
	}
}
