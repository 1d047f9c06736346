package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Who a {@link RunStore} tells of each event it takes, in the order they were added: first those
 * that take the event, then those that take its JSON line as written to the file too.
 */
final class StoreListeners {
  private final List<Consumer<Event>> events = new CopyOnWriteArrayList<>();
  private final List<BiConsumer<Event, String>> lines = new CopyOnWriteArrayList<>();

  void add(Consumer<Event> l) {
    events.add(l);
  }

  void addJson(BiConsumer<Event, String> l) {
    lines.add(l);
  }

  void remove(Consumer<Event> l) {
    events.remove(l);
  }

  /** Tells every listener of {@code e}, whose JSON line is {@code json}. */
  void tell(Event e, String json) {
    for (Consumer<Event> l : events) {
      l.accept(e);
    }
    for (BiConsumer<Event, String> l : lines) {
      l.accept(e, json);
    }
  }
}
