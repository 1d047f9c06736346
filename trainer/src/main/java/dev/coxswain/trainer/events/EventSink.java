package dev.coxswain.trainer.events;

import dev.coxswain.protocol.Event;

/** Receives a run's events, in order. Implementations must be safe to call from several threads. */
public interface EventSink extends AutoCloseable {

  /** Takes one event; when this returns, the event is recorded as far as the sink promises. */
  void accept(Event event);

  /** Releases what the sink holds; further events are an error. */
  @Override
  default void close() {}

  /** Passes each event to every sink in turn. */
  static EventSink fanout(EventSink... sinks) {
    return new EventSink() {
      @Override
      public void accept(Event event) {
        for (EventSink s : sinks) {
          s.accept(event);
        }
      }

      @Override
      public void close() {
        for (EventSink s : sinks) {
          s.close();
        }
      }
    };
  }

  /** A sink that drops everything (benchmarks, throwaway runs). */
  static EventSink discard() {
    return event -> {};
  }
}
