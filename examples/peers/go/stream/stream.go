// Package stream holds what the Go producer and consumer share: the command
// line and the deterministic streams every language generates and checks
// (see examples/peers/README.md).
package stream

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"tachyon.local/generated/frames"
	"tachyon.local/generated/market"
)

// Exit statuses every peer program uses.
const (
	ExitFail   = 1
	ExitUsage  = 2
	ExitSchema = 3 // refused at connect: schema fingerprint mismatch
)

// Args is the shared command line.
type Args struct {
	Socket   string
	Market   bool // the MarketTick stream; else 1 KiB frames
	Count    uint64
	Clock    bool // tick timestamps are CLOCK_REALTIME ns instead of index-derived
	Capacity int
	Quiet    bool
}

// Fingerprint is the schema fingerprint the bus is bound to.
func (a Args) Fingerprint() uint64 {
	if a.Market {
		return market.SchemaFingerprint
	}
	return frames.SchemaFingerprint
}

// Parse reads os.Args; a bad command line exits with ExitUsage.
func Parse(role string) Args {
	fs := flag.NewFlagSet("go_"+role, flag.ExitOnError)
	socket := fs.String("socket", "", "socket path, or @name for the abstract namespace")
	streamName := fs.String("stream", "market", "market or frames")
	count := fs.Uint64("count", 100000, "messages before End")
	stamp := fs.String("stamp", "index", "tick timestamps: index (checked exactly) or clock (latency)")
	capacity := fs.Int("capacity", 1<<22, "ring capacity in bytes (consumer)")
	quiet := fs.Bool("quiet", false, "print nothing on success")
	_ = fs.Parse(os.Args[1:])
	okStream := *streamName == "market" || *streamName == "frames"
	okStamp := *stamp == "index" || *stamp == "clock"
	if *socket == "" || !okStream || !okStamp || fs.NArg() != 0 {
		fs.Usage()
		os.Exit(ExitUsage)
	}
	return Args{*socket, *streamName == "market", *count, *stamp == "clock", *capacity, *quiet}
}

var symbols = [5]string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRP"}

const baseNs uint64 = 1_700_000_000_000_000_000

// TickType is Bid, except every third tick is an Ask.
func TickType(i uint64) uint32 {
	if i%3 == 2 {
		return market.MsgAsk
	}
	return market.MsgBid
}

// TickSymbol is the symbol of tick i.
func TickSymbol(i uint64) string { return symbols[i%5] }

// symbolBytes holds each symbol as its char[8] field carries it: NUL-padded.
var symbolBytes = func() (b [5][8]byte) {
	for k, sym := range symbols {
		copy(b[k][:], sym)
	}
	return b
}()

// TickSymbolBytes is the symbol field of tick i, byte for byte (the text,
// NUL-padded), to compare with the field in place without a string.
func TickSymbolBytes(i uint64) []byte { return symbolBytes[i%5][:] }

// TickPrice is the price of tick i (exact in binary: quarters).
func TickPrice(i uint64) float64 { return 1000.0 + float64(i%1_000_003)*0.25 }

// TickQuantity is the quantity of tick i, using all 32 bits.
func TickQuantity(i uint64) uint32 { return uint32(i * 2654435761) }

// TickTimestamp is the index-derived timestamp of tick i.
func TickTimestamp(i uint64) uint64 { return baseNs + i*1000 }

// FrameSample is sample k of frame i (exact in float32: below 2^24).
func FrameSample(i uint64, k int) float32 { return float32((i%65536)*256 + uint64(k)) }

// RealtimeNs is CLOCK_REALTIME in nanoseconds, what clock stamps carry.
func RealtimeNs() uint64 { return uint64(time.Now().UnixNano()) }

// LatencyLine sorts the samples (ns) and formats their percentiles in µs.
func LatencyLine(samples []uint64) string {
	sort.Slice(samples, func(a, b int) bool { return samples[a] < samples[b] })
	n := len(samples)
	at := func(q float64) float64 { return float64(samples[int(float64(n-1)*q)]) / 1000 }
	var sb strings.Builder
	fmt.Fprintf(&sb, "one-way latency (us): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f",
		at(0.5), at(0.9), at(0.99), at(0.999), float64(samples[n-1])/1000)
	return sb.String()
}
