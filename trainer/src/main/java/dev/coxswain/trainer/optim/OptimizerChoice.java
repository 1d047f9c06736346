package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDManager;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.KnobType;
import java.util.ArrayList;
import java.util.List;

/**
 * Which optimizer a run trains with and its fixed settings: AdamW (the default) or SGD with
 * momentum, heavy-ball or Nesterov. It makes the optimizer and says which knobs the run registers
 * for it.
 *
 * @param name {@code adamw} or {@code sgd}
 * @param momentum SGD's starting momentum, in [0, 1) (its knob can change it later); 0 for AdamW
 * @param nesterov SGD with Nesterov's momentum; false for AdamW
 */
public record OptimizerChoice(String name, double momentum, boolean nesterov) {
  public static final String ADAMW = "adamw";
  public static final String SGD = "sgd";

  /** The default. */
  public static final OptimizerChoice DEFAULT = new OptimizerChoice(ADAMW, 0, false);

  /**
   * @throws IllegalArgumentException for an unknown name, a momentum outside [0, 1), or momentum
   *     settings given to AdamW
   */
  public OptimizerChoice {
    if (!ADAMW.equals(name) && !SGD.equals(name)) {
      throw new IllegalArgumentException(
          "optimizer.name: unknown optimizer '" + name + "'; known: " + ADAMW + ", " + SGD);
    }
    if (ADAMW.equals(name) && (momentum != 0 || nesterov)) {
      throw new IllegalArgumentException(
          "optimizer.momentum and optimizer.nesterov are SGD's; AdamW's momentum is the beta1 knob");
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("optimizer.momentum must be in [0, 1), got " + momentum);
    }
  }

  /** SGD with this starting momentum; Nesterov's when {@code nesterov}. */
  public static OptimizerChoice sgd(double momentum, boolean nesterov) {
    return new OptimizerChoice(SGD, momentum, nesterov);
  }

  /** A fresh optimizer whose state lives on {@code stateManager}. */
  public Optimizer create(NDManager stateManager) {
    return SGD.equals(name) ? new Sgd(stateManager, nesterov) : new AdamW(stateManager);
  }

  /** How people read it: {@code AdamW}, {@code SGD}, {@code SGD (Nesterov)}. */
  public String display() {
    if (ADAMW.equals(name)) {
      return "AdamW";
    }
    return nesterov ? "SGD (Nesterov)" : "SGD";
  }

  /**
   * The knobs of Coxswain's loop with this optimizer, in the order they are shown: {@code lr},
   * {@code weight_decay}, {@code max_grad_norm} (the step's clipping), then the optimizer's own
   * ({@code beta1}, {@code beta2}, {@code eps} for AdamW; {@code momentum} for SGD).
   *
   * @param lr the starting learning rate
   */
  public List<Knob> knobs(double lr) {
    boolean adamw = ADAMW.equals(name);
    List<Knob> k = new ArrayList<>();
    k.add(
        Knob.real("lr")
            .bounds(1e-12, 10)
            .initial(lr)
            .log()
            .role(Knob.LEARNING_RATE)
            .describe("learning rate of " + display())
            .build());
    k.add(
        adamw
            ? new Knob(
                "weight_decay", KnobType.DOUBLE, 0.01, 0, 1, "decoupled weight decay (AdamW)")
            : new Knob(
                "weight_decay",
                KnobType.DOUBLE,
                0,
                0,
                1,
                "L2 weight decay, added to the gradient (SGD)"));
    k.add(
        new Knob(
            "max_grad_norm",
            KnobType.DOUBLE,
            1.0,
            0,
            1e6,
            "clip gradients to this global L2 norm; 0 turns clipping off"));
    if (adamw) {
      k.add(new Knob("beta1", KnobType.DOUBLE, 0.9, 0, 0.9999, "AdamW first-moment decay"));
      k.add(new Knob("beta2", KnobType.DOUBLE, 0.99, 0, 0.99999, "AdamW second-moment decay"));
      k.add(new Knob("eps", KnobType.DOUBLE, 1e-8, 1e-12, 1e-2, "AdamW denominator epsilon"));
    } else {
      k.add(
          new Knob(
              "momentum",
              KnobType.DOUBLE,
              momentum,
              0,
              Math.max(0.9999, momentum),
              (nesterov ? "Nesterov" : "heavy-ball") + " momentum of SGD; 0: plain SGD"));
    }
    return k;
  }

  /** The names of {@link #knobs}, for messages. */
  public List<String> knobNames() {
    return knobs(1e-3).stream().map(Knob::name).toList();
  }
}
