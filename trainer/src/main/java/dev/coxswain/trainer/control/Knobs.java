package dev.coxswain.trainer.control;

import dev.coxswain.protocol.Knob;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleConsumer;

/**
 * The knobs of a run. Changed only by the training thread at the control point; other threads read
 * the immutable {@link Snapshot} published after each change.
 */
public final class Knobs {
  private final LinkedHashMap<String, Knob> knobs = new LinkedHashMap<>();
  private final Map<String, DoubleConsumer> setters = new LinkedHashMap<>();
  private volatile Snapshot published = new Snapshot(Map.of()); // a loop may have no knobs

  /**
   * A registry holding these knobs, in this order (Coxswain's loop starts from its optimizer's:
   * {@code OptimizerChoice.knobs}).
   */
  public static Knobs of(List<Knob> knobs) {
    Knobs k = new Knobs();
    knobs.forEach(k::register);
    return k;
  }

  /** Adds a knob (or replaces one of the same name, e.g. to change its bounds). */
  public void register(Knob knob) {
    knobs.put(knob.name(), knob);
    publish();
  }

  /**
   * Adds a knob of the run's own whose every change is handed to {@code setter} at the control
   * point (and its starting value once, now).
   *
   * @throws IllegalArgumentException when a knob of that name is registered already
   */
  public void register(Knob knob, DoubleConsumer setter) {
    if (knobs.containsKey(knob.name())) {
      throw new IllegalArgumentException(
          "knob '" + knob.name() + "' is registered already (built-in or twice)");
    }
    setter.accept(knob.value());
    setters.put(knob.name(), setter);
    register(knob);
  }

  public Optional<Knob> get(String name) {
    return Optional.ofNullable(knobs.get(name));
  }

  public List<Knob> list() {
    return Collections.unmodifiableList(new ArrayList<>(knobs.values()));
  }

  /**
   * Checks every value first and changes nothing unless all are valid.
   *
   * @return the reason the change was refused, or empty when it was applied
   */
  public Optional<String> trySet(Map<String, Double> values) {
    for (Map.Entry<String, Double> e : values.entrySet()) {
      Knob k = knobs.get(e.getKey());
      if (k == null) {
        return Optional.of(
            "unknown knob '" + e.getKey() + "'; known: " + String.join(", ", knobs.keySet()));
      }
      Optional<String> problem = k.validate(e.getValue());
      if (problem.isPresent()) {
        return problem;
      }
    }
    callSetters(values);
    values.forEach((name, v) -> knobs.put(name, knobs.get(name).withValue(v)));
    publish();
    return Optional.empty();
  }

  // all or nothing: a setter that throws has the ones before it set back, and nothing changes
  private void callSetters(Map<String, Double> values) {
    List<String> done = new ArrayList<>();
    try {
      for (Map.Entry<String, Double> e : values.entrySet()) {
        DoubleConsumer set = setters.get(e.getKey());
        if (set != null) {
          set.accept(e.getValue());
          done.add(e.getKey());
        }
      }
    } catch (RuntimeException e) {
      for (String name : done) {
        try {
          setters.get(name).accept(knobs.get(name).value());
        } catch (RuntimeException again) {
          e.addSuppressed(again);
        }
      }
      throw e;
    }
  }

  /**
   * Replaces all values at once (checkpoint restore); unknown names are ignored, bad values
   * refused.
   */
  public Optional<String> restore(Map<String, Double> values) {
    Map<String, Double> known = new LinkedHashMap<>();
    values.forEach(
        (k, v) -> {
          if (knobs.containsKey(k)) {
            known.put(k, v);
          }
        });
    return trySet(known);
  }

  private void publish() {
    Map<String, Double> v = new LinkedHashMap<>();
    knobs.forEach((name, k) -> v.put(name, k.value()));
    published = new Snapshot(Collections.unmodifiableMap(v));
  }

  /** The values as of the last change: read once per step, so one step sees one set of values. */
  public Snapshot snapshot() {
    return published;
  }

  /** An immutable set of knob values. */
  public record Snapshot(Map<String, Double> values) {
    public double get(String name) {
      Double v = values.get(name);
      if (v == null) {
        throw new IllegalArgumentException("no knob '" + name + "'");
      }
      return v;
    }
  }
}
