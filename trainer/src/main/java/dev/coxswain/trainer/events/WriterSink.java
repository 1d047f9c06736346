package dev.coxswain.trainer.events;

import dev.coxswain.protocol.Event;
import java.util.ArrayDeque;

/**
 * Passes events on to another sink from a single writer thread of its own, in the order they were
 * accepted, so that serializing and writing them costs the training thread nothing. An event that
 * must be on disk before it counts ({@link JsonlEventSink#isDurable}: commands, results,
 * checkpoints, branches, status, health, knobs, notes) makes {@link #accept} wait until the writer
 * has passed it, and so everything before it, on; the others (metrics, evaluations) return at once.
 * A crash can therefore lose only such events accepted after the last durable one and not yet
 * written; {@link #close} writes everything accepted first.
 *
 * <p>A failure of the next sink is sticky: nothing more is written, and {@link #accept} and {@link
 * #close} throw it.
 */
public final class WriterSink implements EventSink {
  /** Events waiting at most; beyond it {@link #accept} waits for room (nothing is dropped). */
  static final int CAPACITY = 8192;

  private final EventSink next;
  private final ArrayDeque<Event> pending = new ArrayDeque<>();
  private final Thread writer;
  private long accepted;
  private long written;
  private boolean closed;
  private RuntimeException failure;

  /** Starts the writer thread. */
  public WriterSink(EventSink next) {
    this.next = next;
    this.writer = new Thread(this::write, "coxswain-event-writer");
    writer.setDaemon(true); // close() drains; a forgotten sink must not keep the JVM up
    writer.start();
  }

  /** The writer thread's id (for its CPU time in the benchmark). */
  public long writerThreadId() {
    return writer.getId();
  }

  @Override
  public void accept(Event event) {
    boolean durable = JsonlEventSink.isDurable(event.type());
    synchronized (this) {
      check();
      if (closed) {
        throw new IllegalStateException("the event writer is closed");
      }
      while (pending.size() >= CAPACITY && failure == null) {
        awaitChange();
      }
      check();
      pending.addLast(event);
      long mine = ++accepted;
      notifyAll();
      while (durable && written < mine && failure == null) {
        awaitChange();
      }
      check();
    }
  }

  private void write() {
    while (true) {
      Event e;
      synchronized (this) {
        while (pending.isEmpty() && !closed) {
          awaitChange();
        }
        if (pending.isEmpty() || failure != null) {
          return;
        }
        e = pending.peekFirst(); // left in place until written, so that close() waits for it
      }
      RuntimeException failed = null;
      try {
        next.accept(e);
      } catch (RuntimeException x) {
        failed = x;
      }
      synchronized (this) {
        pending.pollFirst();
        written++;
        if (failed != null) {
          failure = failed;
          pending.clear();
        }
        notifyAll();
      }
    }
  }

  private void awaitChange() {
    try {
      wait();
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the event writer", x);
    }
  }

  private void check() {
    if (failure != null) {
      throw new IllegalStateException("the event writer failed: " + failure.getMessage(), failure);
    }
  }

  /** Writes everything accepted, stops the writer and closes the next sink. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      writer.join();
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
    }
    next.close();
    synchronized (this) {
      check();
    }
  }
}
