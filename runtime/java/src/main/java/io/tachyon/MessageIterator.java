package io.tachyon;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The iterator of {@link Bus#received()}: each message is released when the next one is asked for, when the
 * stream ends, or when the bus closes (the bus holds this iterator, so a loop that stops early leaves nothing
 * open behind the bus's close).
 */
final class MessageIterator implements Iterator<Message> {
    private final Bus bus;
    private Message current;
    private Message next;
    private boolean ended;

    MessageIterator(Bus bus) {
        this.bus = bus;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        releaseCurrent();
        if (ended) {
            return false;
        }
        try {
            next = bus.receive();
        } catch (TachyonException.PeerGone e) {
            ended = true;
            bus.openIterator = null;
            return false;
        }
        bus.openIterator = this;
        return true;
    }

    @Override
    public Message next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the producer is gone and every message was read");
        }
        current = next;
        next = null;
        return current;
    }

    private void releaseCurrent() {
        if (current != null) {
            Message m = current;
            current = null;
            m.close();
        }
    }

    /** The bus closes: release what this iterator holds (nothing is committed back: the bus is going). */
    void abandon() {
        ended = true;
        if (current != null) {
            current.abandon();
            current = null;
        }
        if (next != null) {
            next.abandon();
            next = null;
        }
    }
}
