package io.tachyon;

/** What a fan-out producer does about a subscriber that falls behind, chosen at {@link FanOut#listen}. */
public enum LagPolicy {
    /** The producer waits for the slowest subscriber (its send times out, or {@code trySend} says false). */
    BLOCK,
    /**
     * The producer drops a subscriber that holds back the room it needs: that subscriber's next call (or its
     * commit of the message it holds) throws {@link TachyonException.Lagged}, and {@link Subscriber#rejoin} lets it
     * go on.
     */
    DROP
}
