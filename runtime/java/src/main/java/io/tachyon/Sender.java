package io.tachyon;

/**
 * Who sent a message to a {@link FanIn}.
 *
 * @param id   numbers producers from 1 in the order they joined this fan-in (never reused)
 * @param pid  the producer's process id
 * @param slot its place in the fan-in's table, 0 to 63, reused after it left
 */
public record Sender(long id, int pid, int slot) {}
