package tachyon_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"tachyon.local/tachyon"
)

// doubler serves one method (id 1): an 8-byte integer in, twice it out.
type doubler struct{}

func (doubler) Sizes(method uint32) (int, int, bool) { return 8, 8, method == 1 }

func (doubler) Handle(call *tachyon.Call, method uint32, request, reply []byte) error {
	binary.LittleEndian.PutUint64(reply, 2*binary.LittleEndian.Uint64(request)) // in place, both ways
	return nil
}

// A server and a client over one connection, with the untyped API that the
// generated stubs (tachc gen --lang go) wrap.
func ExampleRPC() {
	path := fmt.Sprintf("@doubler-%d", os.Getpid())
	served := make(chan error, 1)
	go func() {
		srv, err := tachyon.ListenRPC(path, 1<<16)
		if err != nil {
			served <- err
			return
		}
		defer srv.Close()
		served <- srv.Serve(context.Background(), doubler{}) // nil when the client goes
	}()
	cli, err := tachyon.ConnectRPC(path)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second) // the call's deadline
	defer cancel()
	request := binary.LittleEndian.AppendUint64(nil, 21)
	err = cli.Call(ctx, 1, request, 8, func(r tachyon.Reply) error {
		fmt.Println(binary.LittleEndian.Uint64(r.Data)) // the reply in place, valid in here
		return nil
	})
	if err != nil {
		panic(err)
	}
	cli.Close()
	fmt.Println(<-served)
	// Output:
	// 42
	// <nil>
}
