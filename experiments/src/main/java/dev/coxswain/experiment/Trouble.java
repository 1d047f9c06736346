package dev.coxswain.experiment;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One trouble a scenario injects into its runs.
 *
 * @param kind what goes wrong
 * @param step the step after which it happens (0: before the first step)
 * @param lr the lr the run is given ({@code lr_too_high}, {@code lr_too_low}), else NaN
 * @param factor how far a person pushes the lr ({@code knob_mistake}), else NaN
 * @param length how many batches are corrupted ({@code corrupted_batches}), else 0
 * @param documents the few training documents ({@code overfitting}) or the documents trained on
 *     before the new ones arrive ({@code data_arriving}), a glob in the corpus; else null
 * @param arriving the documents that arrive ({@code data_arriving}), a glob; else null
 */
public record Trouble(
    Kind kind,
    long step,
    double lr,
    double factor,
    long length,
    String documents,
    String arriving) {

  /** The kinds of trouble, by their names in a scenario file. */
  public enum Kind {
    /**
     * The run is given an lr far too high (from a pretrained start, as in the LR-recovery study).
     */
    LR_TOO_HIGH,
    /** The run is given an lr far too low. */
    LR_TOO_LOW,
    /** A person multiplies the lr by a factor mid-run (a typo, a wrong unit). */
    KNOB_MISTAKE,
    /** A window of training batches is random characters instead of text. */
    CORRUPTED_BATCHES,
    /** The run trains on a few documents only, for long: it memorizes them. */
    OVERFITTING,
    /**
     * New documents join the training mixture mid-run (weight 0 until then, 1 after); the
     * evaluation covers old and new alike from the start.
     */
    DATA_ARRIVING,
    /**
     * Nothing is injected: by step S a constant lr has brought the loss down to the noise floor of
     * that lr, and only a lower lr (an anneal) gets it further. The trouble is the lr staying put.
     */
    NOISE_FLOOR;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The kind of a name, or null. */
    static Kind of(String wire) {
      return Arrays.stream(values()).filter(k -> k.wire().equals(wire)).findFirst().orElse(null);
    }

    static List<String> names() {
      return Arrays.stream(values()).map(Kind::wire).toList();
    }
  }

  /**
   * Whether the trouble is a wrong choice of lr: the tuned baselines choose their lr by a sweep
   * instead, so it does not reach them; every other trouble reaches every arm.
   */
  public boolean lrChoice() {
    return kind == Kind.LR_TOO_HIGH || kind == Kind.LR_TOO_LOW;
  }

  /**
   * Whether the run without this trouble evaluates on the same data, so that "back within 2 % of
   * the untroubled run" means something: not for overfitting (its validation set is cut from its
   * own few documents) nor for a noise floor (nothing is injected: the untroubled run would be the
   * troubled one).
   */
  public boolean hasUntroubledRun() {
    return kind != Kind.OVERFITTING && kind != Kind.NOISE_FLOOR;
  }

  /**
   * What is left of this trouble in the untroubled reference run: nothing (null) for a wrong lr, a
   * knob mistake or garbage; for new data, the same data from the first step on (the run that had
   * it all along, evaluated on the same mixture).
   */
  public Trouble inUntroubledRun() {
    if (kind == Kind.DATA_ARRIVING) {
      return new Trouble(kind, 0, lr, factor, length, documents, arriving);
    }
    return null;
  }

  /** Which way a correction moves the lr: -1 down, +1 up, 0 either (a rollback corrects any). */
  public int correction() {
    return switch (kind) {
      case LR_TOO_LOW -> 1;
      case DATA_ARRIVING -> 0;
      case KNOB_MISTAKE -> factor < 1 ? 1 : -1;
      default -> -1;
    };
  }

  /** Whether a training step's batch is garbage. */
  public boolean corrupts(long trainingStep) {
    return kind == Kind.CORRUPTED_BATCHES && trainingStep > step && trainingStep <= step + length;
  }

  /** A short description for tables and logs. */
  public String describe() {
    return switch (kind) {
      case LR_TOO_HIGH, LR_TOO_LOW ->
          String.format(Locale.ROOT, "%s: lr %s after step %d", kind.wire(), lr, step);
      case KNOB_MISTAKE ->
          String.format(Locale.ROOT, "%s: lr x%s after step %d", kind.wire(), factor, step);
      case CORRUPTED_BATCHES ->
          String.format(
              Locale.ROOT, "%s: steps %d-%d are corrupted", kind.wire(), step + 1, step + length);
      case OVERFITTING ->
          String.format(Locale.ROOT, "%s: trains on %s only", kind.wire(), documents);
      case DATA_ARRIVING ->
          String.format(
              Locale.ROOT,
              "%s: trains on %s, then also on %s after step %d",
              kind.wire(),
              documents,
              arriving,
              step);
      case NOISE_FLOOR ->
          String.format(
              Locale.ROOT,
              "%s: a constant lr stalls from step %d on; only a lower lr gets further",
              kind.wire(),
              step);
    };
  }
}
