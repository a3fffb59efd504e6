package vectors

import (
	"errors"
	"testing"

	"tachyon.local/generated/common"
	"tachyon.local/generated/everything"
	"tachyon.local/generated/frames"
	"tachyon.local/generated/market"
)

func TestShortSliceIsAnError(t *testing.T) {
	_, err := market.NewMarketTick(make([]byte, market.MarketTickSize-1))
	var se *market.SizeError
	if !errors.As(err, &se) || se.Want != 32 || se.Got != 31 {
		t.Fatalf("err = %v", err)
	}
	if err.Error() != "market: MarketTick needs 32 bytes, got 31" {
		t.Errorf("message %q", err.Error())
	}
}

func TestLongerSliceViewsItsPrefix(t *testing.T) {
	buf := make([]byte, 40)
	tick, err := market.NewMarketTick(buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(tick) != market.MarketTickSize || cap(tick) != market.MarketTickSize {
		t.Fatalf("len %d cap %d", len(tick), cap(tick))
	}
	tick.SetQuantity(9)
	if buf[16] != 9 {
		t.Errorf("write did not land in place")
	}
}

func TestDecodeByTypeID(t *testing.T) {
	buf := make([]byte, market.MarketTickSize)
	tick, _ := market.NewMarketTick(buf)
	if err := tick.SetSymbol("ETHUSDT"); err != nil {
		t.Fatal(err)
	}
	tick.SetPrice(3000.25)
	v, err := market.Decode(market.MsgAsk, buf)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := v.(market.MarketTick)
	if !ok || got.Symbol() != "ETHUSDT" || got.Price() != 3000.25 {
		t.Fatalf("decoded %#v", v)
	}
	if v, err := market.Decode(market.MsgEnd, nil); v != nil || err != nil {
		t.Errorf("End: %v %v", v, err)
	}
	var ue *market.UnknownTypeError
	if _, err := market.Decode(9, buf); !errors.As(err, &ue) || ue.TypeID != 9 {
		t.Errorf("unknown id: %v", err)
	}
	var se *market.SizeError
	if _, err := market.Decode(market.MsgBid, buf[:8]); !errors.As(err, &se) {
		t.Errorf("short payload: %v", err)
	}
	if n, ok := market.PayloadSize(market.MsgBid); n != 32 || !ok {
		t.Errorf("PayloadSize = %d %v", n, ok)
	}
	if _, ok := market.PayloadSize(77); ok {
		t.Errorf("PayloadSize(77) known")
	}
	if market.MessageName(market.MsgAsk) != "Ask" {
		t.Errorf("MessageName")
	}
}

func TestDecodeImportedPayload(t *testing.T) {
	v, err := everything.Decode(everything.MsgPosition, make([]byte, common.Vec3Size))
	if _, ok := v.(common.Vec3); !ok || err != nil {
		t.Fatalf("decoded %#v, %v", v, err)
	}
}

func TestEnumsAndFlags(t *testing.T) {
	if everything.ColorGreen.String() != "GREEN" || everything.Color(3).String() != "Color(3)" {
		t.Errorf("Color strings: %v %v", everything.ColorGreen, everything.Color(3))
	}
	if everything.Color(3).Valid() || !everything.ColorBlue.Valid() {
		t.Errorf("Valid")
	}
	if everything.LevelLow != -32768 || everything.Level(-5).String() != "Level(-5)" {
		t.Errorf("Level")
	}
	rw := everything.PermRead | everything.PermWrite
	if !rw.Has(everything.PermRead) || rw.Has(everything.PermExec) {
		t.Errorf("Has")
	}
	if s := (everything.PermRead | 0x10).String(); s != "READ|0x10" {
		t.Errorf("Perm string %q", s)
	}
	if s := everything.Perm(0).String(); s != "0" {
		t.Errorf("empty Perm string %q", s)
	}
}

func TestTextTooLongWritesNothing(t *testing.T) {
	tick, _ := market.NewMarketTick(make([]byte, market.MarketTickSize))
	if err := tick.SetSymbol("ABC"); err != nil {
		t.Fatal(err)
	}
	var te *market.TextError
	if err := tick.SetSymbol("TOOLONGSYM"); !errors.As(err, &te) || te.Cap != 8 || te.Len != 10 {
		t.Fatalf("err = %v", err)
	}
	if tick.Symbol() != "ABC" {
		t.Errorf("symbol %q after a failed write", tick.Symbol())
	}
	if err := tick.SetSymbol("EXACTLY8"); err != nil || tick.Symbol() != "EXACTLY8" {
		t.Errorf("8-byte symbol: %v %q", err, tick.Symbol())
	}
}

func TestArrayIndexIsChecked(t *testing.T) {
	f, _ := frames.NewFrame(make([]byte, frames.FrameSize))
	if !panics(func() { f.Samples(frames.FrameSamplesLen) }) {
		t.Errorf("Samples(256) did not panic")
	}
	if !panics(func() { f.SetSamples(-1, 1) }) {
		t.Errorf("SetSamples(-1) did not panic")
	}
	f.SetSamples(255, 2.5)
	if f.Samples(255) != 2.5 {
		t.Errorf("last sample")
	}
}

func TestConstants(t *testing.T) {
	if everything.Magic != 0xFEEDFACECAFEBEEF || everything.Greeting != "hello, \"tach\"" {
		t.Errorf("constants")
	}
	if market.SchemaFingerprint == 0 || market.MarketTickFingerprint == 0 {
		t.Errorf("fingerprints")
	}
	if len(everything.ReservedTypeIDs) != 2 || everything.ReservedTypeIDs[1] != [2]uint32{10, 19} {
		t.Errorf("reserved %v", everything.ReservedTypeIDs)
	}
}

func TestByteArraysAreSharedInPlace(t *testing.T) {
	buf := make([]byte, frames.VideoFrameSize)
	v, _ := frames.NewVideoFrame(buf)
	px := v.PixelsBytes()
	if len(px) != frames.VideoFrameSize-frames.MediaHeaderSize || cap(px) != len(px) {
		t.Fatalf("len %d cap %d", len(px), cap(px))
	}
	px[1] = 9
	if v.Pixels(1) != 9 || buf[frames.MediaHeaderSize+1] != 9 {
		t.Errorf("PixelsBytes is not the view's bytes")
	}
}
