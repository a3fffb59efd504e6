module tachyon.local/tachyon

go 1.22

// The tests read and write MarketTick through tachc's generated Go views.
require tachyon.local/generated v0.0.0

replace tachyon.local/generated => ../../generated/go
