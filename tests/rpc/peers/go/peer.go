// The Go peer of the cross-language RPC matrix (tests/rpc/matrix.sh has the
// contract): `rpc-peer serve SOCKET` answers Pricing with the generated
// server interface until the client goes; `rpc-peer call SOCKET` checks 200
// blocking calls, 32 pipelined ones, Ping and an unknown method through the
// generated client. ./build compiles it with the committed golden package.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"tachyon.local/rpcpeer/pricing"
	"tachyon.local/tachyon"
)

type quoter struct{}

func (quoter) Quote(_ *tachyon.Call, request pricing.QuoteRequest, reply pricing.QuoteReply) error {
	symbol := request.SymbolBytes()
	if i := bytes.IndexByte(symbol, 0); i >= 0 {
		symbol = symbol[:i]
	}
	reply.Clear()
	reply.SetPrice(float64(request.Qty())*1.5 + float64(len(symbol)))
	reply.SetQty(request.Qty() + 1)
	return nil
}

func (quoter) Ping(_ *tachyon.Call) error { return nil }

func serve(path string) error {
	rpc, err := tachyon.ListenRPC(path, 1<<16, tachyon.WithTimeout(10*time.Second))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer rpc.Close()
	return pricing.ServePricing(context.Background(), rpc, quoter{})
}

func request(symbol string, qty uint32) pricing.QuoteRequest {
	req, _ := pricing.NewQuoteRequest(make([]byte, pricing.QuoteRequestSize))
	if err := req.SetSymbol(symbol); err != nil {
		panic(err)
	}
	req.SetQty(qty)
	return req
}

func call(path string) error {
	rpc, err := tachyon.ConnectRPC(path, tachyon.WithTimeout(10*time.Second))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer rpc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := pricing.PricingClient{RPC: rpc}
	for i := uint32(0); i < 200; i++ {
		symbol := fmt.Sprintf("SYM%d", i%100)
		err := client.Quote(ctx, request(symbol, i), func(reply pricing.QuoteReply) error {
			want := float64(i)*1.5 + float64(len(symbol))
			if reply.Price() != want || reply.Qty() != i+1 {
				return fmt.Errorf("quote %d: price %v qty %d, want %v %d", i, reply.Price(), reply.Qty(), want, i+1)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	ids := map[uint64]uint32{}
	for i := uint32(0); i < 32; i++ {
		id, err := client.QuoteSend(ctx, request(fmt.Sprintf("P%d", i), 1000+i))
		if err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		ids[id] = i
	}
	for n := 0; n < 32; n++ {
		err := client.NextReply(ctx, pricing.PricingReplies{
			Quote: func(callID uint64, reply pricing.QuoteReply) error {
				i, ok := ids[callID]
				if !ok {
					return fmt.Errorf("reply with call id %d: not one of ours or twice", callID)
				}
				delete(ids, callID)
				want := float64(1000+i)*1.5 + float64(len(fmt.Sprintf("P%d", i)))
				if reply.Price() != want || reply.Qty() != 1000+i+1 {
					return fmt.Errorf("pipelined %d: price %v qty %d", i, reply.Price(), reply.Qty())
				}
				return nil
			},
		})
		if err != nil {
			return fmt.Errorf("pipelined reply %d: %w", n, err)
		}
	}
	if len(ids) != 0 {
		return fmt.Errorf("%d pipelined calls without a reply", len(ids))
	}
	if err := client.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	err = rpc.Call(ctx, 99, nil, 0, func(tachyon.Reply) error { return nil })
	if !errors.Is(err, tachyon.ErrUnknownMethod) {
		return fmt.Errorf("method 99: %v (want ErrUnknownMethod)", err)
	}
	return nil
}

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "serve" && os.Args[1] != "call") {
		fmt.Fprintln(os.Stderr, "usage: rpc-peer serve|call SOCKET")
		os.Exit(2)
	}
	var err error
	if os.Args[1] == "serve" {
		err = serve(os.Args[2])
	} else if err = call(os.Args[2]); err == nil {
		fmt.Println("ok")
	}
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
