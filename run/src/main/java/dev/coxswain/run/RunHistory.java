package dev.coxswain.run;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A run's history in one compact read, for a console that opens a long run: the metrics of each
 * branch as columns (a value per step, not an event per step), every other event in full (commands
 * and their results, notes, agent decisions, checkpoints, branches, evaluations, status...), the
 * last {@value #TAIL} metrics events in full (the latest step, the recent pace), and the sequence
 * number it ends at, from which a stream continues with no gap and no duplicate. Steps re-trained
 * after a resume replace the lost ones, as in {@link MetricsHistory}. Feed it events in order.
 */
public final class RunHistory implements Consumer<Event> {
  /** Metrics events kept whole at the end: a console's rate and ETA look at the last 100 steps. */
  static final int TAIL = 101;

  /** Floats written by the shortest digits that read back the same (Schubfach), and fast. */
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

  private final Predicate<String> wanted;
  private final Map<String, MetricColumns> branches = new LinkedHashMap<>();
  private final TreeMap<Long, Event> others = new TreeMap<>(); // seq -> every event not a metric
  private final Map<String, Long> evalAt = new HashMap<>(); // branch/step -> seq of its evaluation
  private final ArrayDeque<Tail> tail = new ArrayDeque<>();
  private long lastSeq;
  private long fed;

  /**
   * A history with the metrics {@code wanted} accepts as columns (all numbers: {@code k -> true}).
   */
  public RunHistory(Predicate<String> wanted) {
    this.wanted = wanted;
  }

  @Override
  public void accept(Event e) {
    if (e.type() == EventType.METRICS) {
      metrics(e.seq(), e.branch(), e.step(), e.payload(), () -> e);
      return;
    }
    lastSeq = e.seq();
    fed++;
    if (e.type() == EventType.EVAL) {
      Long earlier = evalAt.put(e.branch() + "/" + e.step(), e.seq());
      if (earlier != null) {
        others.remove(earlier); // evaluated again at one step (a resume): the later one
      }
    } else if (e.type() == EventType.STATUS) {
      Resuming.of(e).ifPresent(r -> forget(r.branch(), r.fromStep()));
    }
    others.put(e.seq(), e);
  }

  /**
   * A metrics event, given as its numbers (others are ignored) and the means to make it whole
   * should it end up in the tail: a reader that never makes most events need not.
   */
  void metrics(
      long seq, String branch, long step, Map<String, Object> numbers, Supplier<Event> whole) {
    lastSeq = seq;
    fed++;
    MetricColumns c = branches.computeIfAbsent(branch, b -> new MetricColumns());
    boolean next = c.size() == 0 || step > c.step(c.size() - 1);
    c.put(step, numbers, wanted);
    if (!next) {
      tail.removeIf(t -> t.branch().equals(branch) && t.step() == step); // replaced
    }
    tail.addLast(new Tail(seq, branch, step, whole));
    if (tail.size() > TAIL) {
      tail.removeFirst();
    }
  }

  /** A metrics event of the tail, made whole only when written. */
  private record Tail(long seq, String branch, long step, Supplier<Event> whole) {}

  private void forget(String branch, long fromStep) {
    MetricColumns c = branches.get(branch);
    if (c != null) {
      c.forgetAfter(fromStep);
    }
    tail.removeIf(t -> t.branch().equals(branch) && t.step() > fromStep);
    for (Iterator<Map.Entry<Long, Event>> it = others.entrySet().iterator(); it.hasNext(); ) {
      Event o = it.next().getValue();
      if (o.type() == EventType.EVAL && o.branch().equals(branch) && o.step() > fromStep) {
        it.remove();
        evalAt.remove(o.branch() + "/" + o.step());
      }
    }
  }

  /**
   * A copy to write while this one goes on taking events, with the metrics {@code wanted} accepts
   * (of those this one keeps): the same JSON as a history fed the same events with {@code wanted}.
   */
  RunHistory copy(Predicate<String> wanted) {
    RunHistory c = new RunHistory(this.wanted.and(wanted));
    branches.forEach((b, cols) -> c.branches.put(b, cols.copy(wanted)));
    c.others.putAll(others);
    c.evalAt.putAll(evalAt);
    c.tail.addAll(tail);
    c.lastSeq = lastSeq;
    c.fed = fed;
    return c;
  }

  /** The column cells held, over every branch (see {@link MetricColumns#cells}). */
  long cells() {
    long n = 0;
    for (MetricColumns c : branches.values()) {
      n += c.cells();
    }
    return n;
  }

  /** The events kept whole: every one not a metric, and the metrics tail. */
  int eventsKept() {
    return others.size() + tail.size();
  }

  /** The sequence number of the last event fed: a stream from it misses nothing. */
  public long lastSeq() {
    return lastSeq;
  }

  /** The history as JSON (UTF-8): metrics values as 32-bit floats, a missing value as null. */
  public byte[] toJson(String runId) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("run", runId);
      g.writeNumberField("last_seq", lastSeq);
      g.writeArrayFieldStart("branches");
      for (Map.Entry<String, MetricColumns> b : branches.entrySet()) {
        writeBranch(g, b.getKey(), b.getValue());
      }
      g.writeEndArray();
      TreeMap<Long, Event> events = new TreeMap<>(others);
      tail.forEach(t -> events.put(t.seq(), t.whole().get()));
      // the events only in the columns, or superseded: with the ones sent whole, every one fed
      g.writeNumberField("folded", fed - events.size());
      g.writeArrayFieldStart("events");
      for (Event e : events.values()) {
        Json.mapper().writeValue(g, e);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private static void writeBranch(JsonGenerator g, String name, MetricColumns c)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("name", name);
    g.writeArrayFieldStart("steps");
    for (int i = 0; i < c.size(); i++) {
      g.writeNumber(c.step(i));
    }
    g.writeEndArray();
    g.writeObjectFieldStart("metrics");
    for (String m : c.names()) {
      g.writeArrayFieldStart(m);
      for (int i = 0; i < c.size(); i++) {
        double v = c.value(m, i);
        float f = (float) v;
        if (Float.isFinite(f) && (f != 0 || v == 0)) {
          g.writeNumber(f); // a chart's precision, half the digits; a loss is a float32 anyway
        } else if (Double.isFinite(v)) {
          g.writeNumber(v); // beyond a float's range
        } else {
          g.writeNull();
        }
      }
      g.writeEndArray();
    }
    g.writeEndObject();
    g.writeEndObject();
  }
}
