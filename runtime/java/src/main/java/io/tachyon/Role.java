package io.tachyon;

/** Which side of a bus this is: the listener receives, the connector sends. */
public enum Role {
    /** The listener: receives. */
    CONSUMER,
    /** The connector: sends. */
    PRODUCER
}
