package tachyon

import "unsafe"

// CorruptFrameSizeForTest overwrites the size word of the frame at ring
// offset off through the producer's mapping of the ring (shared with the
// consumer): the tests' hostile producer.
func CorruptFrameSizeForTest(b *Bus, off uintptr, size uint32) {
	*(*uint32)(unsafe.Add(unsafe.Pointer(b.hot().ring), off)) = size
}
