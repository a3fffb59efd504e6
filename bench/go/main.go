// Command tachyon-bench-go is the Go MarketTick producer of Tachyon's
// cross-language benchmarks (bench/lang_bench.py runs it): it writes each tick
// in place in the ring through the generated views (generated/go/market).
//
//	tachyon-bench-go produce PATH N   connect, send N ticks (Bid and Ask in turn) and End;
//	                                  print one JSON result line
//
// The rate runs from the first acquire to the flush after the last commit.
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

func produce(bus *tachyon.Bus, n int) (time.Duration, error) {
	ctx := context.Background()
	base := uint64(time.Now().UnixNano())
	start := time.Now()
	for i := 0; i < n; i++ {
		slot, err := bus.AcquireTx(ctx, market.MarketTickSize)
		if err != nil {
			return 0, err
		}
		tick := market.MarketTick(slot.Bytes())
		if err := tick.SetSymbol("BTCUSDT"); err != nil {
			return 0, err
		}
		tick.SetPrice(100 + float64(i&1023)*0.01)
		tick.SetQuantity(uint32(i & 0xffff))
		tick.SetTimestamp(base + uint64(i))
		typeID := market.MsgBid
		if i&1 == 1 {
			typeID = market.MsgAsk
		}
		if err := slot.Commit(market.MarketTickSize, typeID); err != nil {
			return 0, err
		}
	}
	if err := bus.Flush(); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	return elapsed, bus.Send(ctx, nil, market.MsgEnd)
}

func main() {
	if len(os.Args) != 4 || os.Args[1] != "produce" {
		fmt.Fprintln(os.Stderr, "usage: tachyon-bench-go produce PATH N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[3])
	if err != nil || n < 0 {
		fmt.Fprintln(os.Stderr, "tachyon-bench-go: N must be a count")
		os.Exit(2)
	}
	bus, err := tachyon.Connect(os.Args[2], tachyon.WithFingerprint(market.SchemaFingerprint),
		tachyon.WithTimeout(10*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tachyon-bench-go: connect:", err)
		os.Exit(1)
	}
	defer bus.Close()
	elapsed, err := produce(bus, n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tachyon-bench-go: produce:", err)
		os.Exit(1)
	}
	secs := elapsed.Seconds()
	fmt.Printf("{\"bench\":\"producer\",\"transport\":\"go\",\"payload\":%d,\"messages\":%d,\"seconds\":%.6f,"+
		"\"msgs_per_s\":%.0f,\"gbytes_per_s\":%.4f}\n",
		market.MarketTickSize, n, secs, float64(n)/secs, float64(n*market.MarketTickSize)/secs/1e9)
}
