package io.tachyon;

/** Where a fan-out subscriber starts reading ({@link Subscriber#connect}, {@link Subscriber#rejoin}). */
public enum Join {
    /** At the next message published. */
    NEWEST,
    /** At the oldest message still in the ring. */
    OLDEST
}
