package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The metrics and evaluations of a run as readers should see them: each (branch, step) once. The
 * event log stays append-only, so after a resume it holds the steps between the checkpoint and the
 * crash twice; the {@code resuming} status event says from which step the branch continues, and the
 * steps re-trained after it replace the lost ones. Feed it events in sequence order.
 */
public final class MetricsHistory implements Consumer<Event> {
  private final List<Event> points = new ArrayList<>();
  private final Map<String, Integer> at = new HashMap<>(); // type/branch/step -> index in points

  @Override
  public void accept(Event e) {
    if (e.type() == EventType.STATUS) {
      Resuming.of(e).ifPresent(r -> forget(r.branch(), r.fromStep()));
      return;
    }
    if (e.type() != EventType.METRICS && e.type() != EventType.EVAL) {
      return;
    }
    String key = e.type().wire() + "/" + e.branch() + "/" + e.step();
    Integer i = at.get(key);
    if (i != null) {
      points.set(
          i, null); // an evaluation repeated at one step (a resume evaluates again): the later one
    }
    at.put(key, points.size());
    points.add(e);
  }

  private void forget(String branch, long fromStep) {
    for (int i = 0; i < points.size(); i++) {
      Event p = points.get(i);
      if (p != null && p.branch().equals(branch) && p.step() > fromStep) {
        points.set(i, null);
        at.remove(p.type().wire() + "/" + p.branch() + "/" + p.step());
      }
    }
  }

  /** The points in log order, superseded ones left out. */
  public List<Event> points() {
    List<Event> out = new ArrayList<>(points.size());
    for (Event p : points) {
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }
}
