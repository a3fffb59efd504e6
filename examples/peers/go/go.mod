module tachyon.local/examples/peers

go 1.22

require (
	tachyon.local/generated v0.0.0
	tachyon.local/tachyon v0.0.0
)

replace (
	tachyon.local/generated => ../../../generated/go
	tachyon.local/tachyon => ../../../runtime/go
)
