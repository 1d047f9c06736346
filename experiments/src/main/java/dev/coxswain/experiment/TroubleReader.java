package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads a scenario's {@code troubles}: each kind with its own keys, each named when wrong. */
final class TroubleReader extends ScenarioFields {
  TroubleReader(String origin) {
    super(origin);
  }

  List<Trouble> troubles(JsonNode root, long steps, long pretrain, double lr)
      throws InvalidExperimentException {
    JsonNode list = root.get("troubles");
    if (list == null || !list.isArray() || list.isEmpty()) {
      fail(
          "'troubles' must be a non-empty list of mappings like {kind: lr_too_high, step: 300,"
              + " lr: 0.03}; kinds: "
              + Trouble.Kind.names());
    }
    List<Trouble> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "troubles[" + i + "].";
      JsonNode t = list.get(i);
      if (!t.isObject()) {
        fail("'" + at.substring(0, at.length() - 1) + "' must be a mapping, not " + t);
      }
      String wire = text(t, at + "kind");
      Trouble.Kind kind = Trouble.Kind.of(wire);
      if (kind == null) {
        fail(
            "'"
                + at
                + "kind' is '"
                + wire
                + "': unknown trouble kind; known: "
                + Trouble.Kind.names());
      }
      long step = whole(t, at + "step", 0);
      if (step >= steps) {
        fail("'" + at + "step' (" + step + ") is past the end: the runs have " + steps + " steps");
      }
      out.add(trouble(kind, t, at, step, steps, pretrain, lr));
    }
    if (out.stream().filter(x -> x.documents() != null).count() > 1) {
      fail(
          "'troubles' has more than one overfitting or data_arriving: each sets the training data");
    }
    if (out.stream().anyMatch(x -> x.kind() == Trouble.Kind.DATA_ARRIVING)
        && out.stream().anyMatch(x -> x.kind() == Trouble.Kind.CORRUPTED_BATCHES)) {
      fail(
          "'troubles' has data_arriving and corrupted_batches: the garbage wraps one data source"
              + " and would hide the mixture that data_arriving steers; give them a scenario each");
    }
    out.sort(Comparator.comparingLong(Trouble::step));
    return List.copyOf(out);
  }

  private Trouble trouble(
      Trouble.Kind kind, JsonNode t, String at, long step, long steps, long pretrain, double lr)
      throws InvalidExperimentException {
    return switch (kind) {
      case LR_TOO_HIGH, LR_TOO_LOW -> lrChoice(kind, t, at, step, pretrain, lr);
      case KNOB_MISTAKE -> knobMistake(t, at, step);
      case OVERFITTING -> {
        only(t, at, "kind", "step", "documents");
        if (step != 0) {
          fail(at, "step", step, "must be 0: the small training set is all the run has");
        }
        yield new Trouble(kind, step, Double.NaN, Double.NaN, 0, glob(t, at + "documents"), null);
      }
      case DATA_ARRIVING -> {
        only(t, at, "kind", "step", "documents", "arriving");
        if (step < 1) {
          fail(at, "step", step, "must be at least 1: data before the first step is just the data");
        }
        yield new Trouble(
            kind,
            step,
            Double.NaN,
            Double.NaN,
            0,
            glob(t, at + "documents"),
            glob(t, at + "arriving"));
      }
      case NOISE_FLOOR -> {
        only(t, at, "kind", "step");
        if (step < 1 || step < pretrain) {
          fail(
              at,
              "step",
              step,
              "must lie in the arm's own part (from step "
                  + Math.max(1, pretrain)
                  + " on): it is where a constant lr has stalled");
        }
        yield new Trouble(kind, step, Double.NaN, Double.NaN, 0, null, null);
      }
      case CORRUPTED_BATCHES -> {
        only(t, at, "kind", "step", "length");
        long length = whole(t, at + "length", 1);
        if (step + length > steps) {
          fail(
              at,
              "length",
              length,
              "from step " + step + " runs past the end (" + steps + " steps)");
        }
        yield new Trouble(kind, step, Double.NaN, Double.NaN, length, null, null);
      }
    };
  }

  /** Too high or too low an lr, given from step S on (not inside the pretraining). */
  private Trouble lrChoice(
      Trouble.Kind kind, JsonNode t, String at, long step, long pretrain, double lr)
      throws InvalidExperimentException {
    only(t, at, "kind", "step", "lr");
    double given = positive(t, at + "lr");
    boolean high = kind == Trouble.Kind.LR_TOO_HIGH;
    if (high ? given <= lr : given >= lr) {
      fail(
          at,
          "lr",
          given,
          "must be "
              + (high ? "above" : "below")
              + " the scenario's 'lr' ("
              + lr
              + ") for "
              + kind.wire());
    }
    if (step < pretrain) {
      fail(
          at,
          "step",
          step,
          "lies in the pretraining ("
              + pretrain
              + " steps), whose lr is fixed; give a step from "
              + pretrain
              + " on");
    }
    return new Trouble(kind, step, given, Double.NaN, 0, null, null);
  }

  /** A person's push of a knob by a factor. */
  private Trouble knobMistake(JsonNode t, String at, long step) throws InvalidExperimentException {
    only(t, at, "kind", "step", "knob", "factor");
    String knob = text(t, at + "knob");
    if (!knob.equals("lr")) {
      fail("'" + at + "knob' is '" + knob + "'; a knob mistake can push: lr");
    }
    double factor = positive(t, at + "factor");
    if (factor == 1) {
      fail("'" + at + "factor' is 1: that changes nothing");
    }
    return new Trouble(Trouble.Kind.KNOB_MISTAKE, step, Double.NaN, factor, 0, null, null);
  }

  private void fail(String at, String key, Object value, String why)
      throws InvalidExperimentException {
    fail("'" + at + key + "' (" + value + ") " + why);
  }

  private String glob(JsonNode t, String path) throws InvalidExperimentException {
    String glob = text(t, path);
    if (glob.contains("/") || glob.contains("..")) {
      fail("'" + path + "' is '" + glob + "': a file glob inside the corpus, like 179*.txt");
    }
    return glob;
  }
}
