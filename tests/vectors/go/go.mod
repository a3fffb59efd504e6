module tachyon.local/vectors

go 1.22

require tachyon.local/generated v0.0.0

replace tachyon.local/generated => ../../../generated/go
