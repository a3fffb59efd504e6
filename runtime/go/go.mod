module tachyon.local/tachyon

go 1.22
