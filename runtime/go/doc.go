// Package tachyon is the Go binding of libtachyon: same-machine, zero-copy
// IPC through a single-producer, single-consumer ring in shared memory.
//
// A bus has one direction. Listen waits for one connector and returns the
// consumer side; Connect returns the producer side. The handshake runs over a
// Unix domain socket (a filesystem path, or "@name" for the abstract
// namespace) and passes a sealed memfd; after it, messages move through
// shared memory without system calls.
//
// # Building
//
// The package compiles the C runtime from source through cgo (one small
// csrc_*.c file per runtime/src/*.c), so `go build` and `go test` inside the
// repository need only a C compiler; no prior `make`. Other modules use it
// with a replace directive pointing at this folder:
//
//	require tachyon.local/tachyon v0.0.0
//	replace tachyon.local/tachyon => /path/to/tachyon/runtime/go
//
// # Receiving safely
//
// Messages are read in place: the bytes of a received message live in the
// ring and are reused by the producer as soon as the message is committed.
// A slice obtained from Rx.Data or Batch.Data must not be used after Commit.
// Rx.Data returns nil after Commit, but a copy of the slice taken before it
// would still point into the ring, so the recommended API is the callback
// form, where the slice's life is the callback's:
//
//	err := bus.Recv(ctx, func(typeID uint32, data []byte) error {
//		tick, err := market.NewMarketTick(data) // a view in place, no copy
//		...
//		return err // the message is committed when the callback returns
//	})
//
// Keep what you need by copying it (or decoding it into Go values) inside
// the callback.
//
// # Sending
//
// Send copies a message into the ring and publishes it at once; SendBatch
// copies many fixed-size records with one cgo crossing. For large messages
// write in place: AcquireTx reserves ring bytes, Tx.Bytes gives them,
// Tx.Commit hands them over. Committed messages are published every 32
// commits, on Flush, and on Close. A full ring never spins without bound:
// the blocking calls spin briefly, then sleep on a futex, and they return
// when ctx is done, when the peer goes away (ErrPeerGone) or on their
// deadline.
//
// # Threads
//
// A Bus is not safe for concurrent use: each side is driven by one goroutine
// at a time (hand it over with a channel if needed). The two sides may live in
// two processes or in two goroutines of one process.
package tachyon
