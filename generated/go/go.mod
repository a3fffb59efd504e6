module tachyon.local/generated

go 1.22
