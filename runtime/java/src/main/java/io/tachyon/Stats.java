package io.tachyon;

/**
 * One side's own counters ({@code tachyon_stats_t}).
 *
 * @param messages   committed (producer) or consumed (consumer)
 * @param bytes      payload bytes of those messages
 * @param publishes  producer: tail publications (batches)
 * @param fullEvents producer: times it found the ring full
 * @param sleeps     futex sleeps of this side
 * @param wakes      futex wakes this side issued to its peer
 */
public record Stats(long messages, long bytes, long publishes, long fullEvents, long sleeps, long wakes) {}
