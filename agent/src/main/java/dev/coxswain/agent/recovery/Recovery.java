package dev.coxswain.agent.recovery;

import dev.coxswain.agent.policy.HealthSink;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Automatic recovery. Watches a run's health and rolls back to the newest checkpoint from before
 * the trouble with half of every learning rate (each knob with the learning_rate role) after {@code
 * nonFiniteLimit} non-finite steps in a row, a loss spike that has not recovered after {@code
 * spikePatience} steps, or a window whose mean loss jumped well above the best window's; at most
 * {@code maxRecoveries} times in a row, then it pauses the run for a person. Fed from the
 * supervisor's thread only.
 */
public final class Recovery {
  /** A spike has recovered once a step's loss is back within 10% of the mean before it. */
  public static final double SPIKE_RECOVERED = 1.1;

  /** A window whose mean loss is this many times the best window's has jumped, not drifted. */
  public static final double LEVEL_JUMP = 1.1;

  /**
   * A level jump must also stand this many standard errors of the window's mean above the best
   * window (the standard error from the window's step-to-step volatility, which is about sqrt(2)
   * times the steps' spread): a 10-step window of a classifier's loss moves by 10% on noise alone.
   */
  public static final double NOISE = 3;

  /**
   * A level jump back again after a rollback with half the lr, and not this much lower than the
   * jump it rolled back, does not answer to the lr (a window of garbage data, replayed by the
   * rollback): rolling back again would only repeat it until recovery gives up and pauses.
   */
  public static final double LR_DID_NOT_HELP = 0.98;

  /** How recovery acts on the run. */
  @FunctionalInterface
  public interface Sender {
    void send(String type, Map<String, Object> args, Source source, String reason);
  }

  private final int nonFiniteLimit;
  private final int spikePatience;
  private final int maxRecoveries;
  private final Sender sender;
  private final HealthSink health;
  private int nonFiniteInARow;
  private long spikeSince = -1;
  private double preSpikeMean = Double.NaN;
  private final List<Long> checkpointSteps = new ArrayList<>();
  private final List<String> checkpointIds = new ArrayList<>();
  private long troubleStart = -1;
  private int recoveriesInARow;
  private long healthySince = -1;
  private boolean recovering;
  // the checkpoint the rollback under way asked for, and the trouble's start it was chosen for
  private String rollbackTarget;
  private long rollbackTroubleStart = -1;
  // the window mean of the last level jump rolled back, NaN when none since the run was healthy
  private double jumpRolledBack = Double.NaN;
  // a level jump came back after a rollback with half the lr: until the loss is back under the
  // jump's threshold, a raised level is the data's doing, not a reason to roll back again. Without
  // this, a window of bad data longer than the agent's window
  // (or the damage it leaves) was rolled back once per window until recovery gave up and paused.
  private boolean jumpNotLr;
  // the learning rates a rollback halves: every knob with the role, as the run announced them
  private List<String> learningRates = List.of("lr");

  public Recovery(
      int nonFiniteLimit, int spikePatience, int maxRecoveries, Sender sender, HealthSink health) {
    this.nonFiniteLimit = nonFiniteLimit;
    this.spikePatience = spikePatience;
    this.maxRecoveries = maxRecoveries;
    this.sender = sender;
    this.health = health;
  }

  /** True from a rollback (or a pause for a person) until the run is on its new branch. */
  public boolean recovering() {
    return recovering;
  }

  /**
   * Takes an event of the run.
   *
   * @throws MalformedPayloadException when its payload does not have its type's shape
   */
  public void accept(Event e) {
    accept(e, e.body());
  }

  /** Takes an event of the run whose payload is already decoded ({@code body}). */
  public void accept(Event e, Payload body) {
    if (body instanceof Payload.Metrics m) {
      watch(e.step(), m);
    } else if (body instanceof Payload.Checkpoint c) {
      if (!checkpointIds.contains(c.id())) {
        checkpointIds.add(c.id());
        checkpointSteps.add(e.step());
      }
      // retention deletes old periodic checkpoints: a rollback to one of those would be refused
      if (c.pruned() != null) {
        for (String gone : c.pruned()) {
          int i = checkpointIds.indexOf(gone);
          if (i >= 0) {
            checkpointIds.remove(i);
            checkpointSteps.remove(i);
          }
        }
      }
    } else if (body instanceof Payload.Health h) {
      if ("spike".equals(h.kind()) && spikeSince < 0) {
        spikeSince = e.step();
        preSpikeMean = h.windowMean() != null ? h.windowMean() : Double.NaN;
      }
    } else if (body instanceof Payload.Branch) {
      recovering = false;
      rollbackTarget = null;
    } else if (body instanceof Payload.Result r) {
      refused(e.step(), r.result());
    } else if (body instanceof Payload.Knobs k && k.specs() != null) {
      learningRates =
          k.specs().stream()
              .map(spec -> new Summary.KnobView(spec, false))
              .filter(Summary.KnobView::learningRate)
              .map(Summary.KnobView::name)
              .toList();
    }
  }

  /**
   * At a decision point: when the window's mean loss jumped well above the best window's and a
   * whole window did not bring it back, rolls back instead of deciding.
   *
   * @return true when it rolled back (or paused): no decision this time
   */
  public boolean levelJumped(long step, Summary window, int every) {
    Summary.Series loss = window.series().get("train_loss");
    double best = window.bestWindowMeanLoss();
    if (loss == null || loss.count() < 10 || !Double.isFinite(best)) {
      return false;
    }
    if (loss.mean() <= LEVEL_JUMP * best) {
      jumpNotLr = false; // back under the threshold: the next jump is a new one
      return false;
    }
    if (loss.mean() - best <= NOISE * loss.volatility() / Math.sqrt(2.0 * loss.count())) {
      return false; // within the window's own noise: a short window of a noisy loss, not a jump
    }
    if (jumpNotLr) {
      return false; // the same trouble, still not the lr's: the policy decides
    }
    if (Double.isFinite(jumpRolledBack) && loss.mean() > LR_DID_NOT_HELP * jumpRolledBack) {
      health.health(
          "level_jump_not_lr",
          String.format(
              Locale.ROOT,
              "the loss level is %.4g again after a rollback with half the lr (it was %.4g): not"
                  + " the lr's doing, so no further rollback; the policy decides",
              loss.mean(),
              jumpRolledBack));
      jumpRolledBack = Double.NaN;
      jumpNotLr = true;
      return false;
    }
    jumpRolledBack = loss.mean();
    troubleStart = Math.max(1, step - every + 1);
    recover(
        step,
        String.format(
            Locale.ROOT,
            "the loss level jumped to %.4g, %.0f%% above the best window so far (%.4g), and stayed there",
            loss.mean(),
            100 * (loss.mean() / best - 1),
            best));
    return true;
  }

  private void watch(long step, Payload.Metrics m) {
    boolean skipped = m.skipped();
    nonFiniteInARow = skipped ? nonFiniteInARow + 1 : 0;
    if (skipped && troubleStart < 0) {
      troubleStart = step;
    }
    if (spikeSince >= 0 && !skipped) {
      double loss = m.loss() == null ? Double.NaN : m.loss(); // null: not finite
      if (Double.isFinite(preSpikeMean) && loss < SPIKE_RECOVERED * preSpikeMean) {
        spikeSince = -1; // it recovered by itself
      } else if (step - spikeSince >= spikePatience) {
        troubleStart = spikeSince;
        recover(
            step,
            "a loss spike at step "
                + spikeSince
                + " has not recovered after "
                + spikePatience
                + " steps");
        return;
      }
    }
    if (nonFiniteInARow >= nonFiniteLimit) {
      recover(step, nonFiniteInARow + " non-finite steps in a row");
      return;
    }
    if (!skipped && spikeSince < 0) {
      troubleStart = -1;
      if (healthySince < 0) {
        healthySince = step;
      } else if (step - healthySince >= 100) {
        recoveriesInARow = 0; // long healthy: the next trouble starts a new count
        jumpRolledBack = Double.NaN;
      }
    } else {
      healthySince = -1;
    }
  }

  private void recover(long step, String why) {
    nonFiniteInARow = 0;
    spikeSince = -1;
    if (recovering) {
      return;
    }
    recovering = true;
    if (recoveriesInARow >= maxRecoveries) {
      sender.send("pause", Map.of(), Source.RULE, "automatic recovery gave up: " + why);
      health.health(
          "recovery_exhausted",
          "rolled back "
              + recoveriesInARow
              + " times in a row and "
              + why
              + "; the run is paused for a person");
      return;
    }
    String good = lastGoodCheckpoint();
    if (good == null) {
      sender.send("pause", Map.of(), Source.RULE, "no checkpoint before the trouble: " + why);
      health.health(
          "recovery_impossible",
          why + " and there is no checkpoint from before it; the run is paused for a person");
      return;
    }
    recoveriesInARow++;
    health.health(
        "rollback",
        why
            + "; rolling back to "
            + good
            + (learningRates.isEmpty()
                ? " (the run has no learning-rate knob to halve)"
                : " with " + String.join(", ", learningRates) + " x0.5")
            + " (recovery "
            + recoveriesInARow
            + " of at most "
            + maxRecoveries
            + ")");
    rollbackTarget = good;
    rollbackTroubleStart = troubleStart;
    sender.send("load_checkpoint", Map.of("checkpoint", good), Source.RULE, why);
    for (String lr : learningRates) {
      sender.send(
          "scale_knob",
          Map.of("knob", lr, "factor", 0.5),
          Source.RULE,
          "automatic recovery: halve the learning rate after the rollback");
    }
    troubleStart = -1;
  }

  /**
   * A rollback the run refused or could not apply (its checkpoint pruned by retention meanwhile):
   * without this, nothing would clear {@code recovering}, and a diverging run would go on with no
   * rollback and no pause. Tries the next older checkpoint from before the trouble, or pauses.
   */
  private void refused(long step, CommandResult r) {
    if (!recovering
        || rollbackTarget == null
        || !"load_checkpoint".equals(r.type())
        || r.status() == CommandStatus.APPLIED) {
      return;
    }
    String was = rollbackTarget;
    int i = checkpointIds.indexOf(was);
    if (i >= 0) {
      checkpointIds.remove(i);
      checkpointSteps.remove(i);
    }
    rollbackTarget = null;
    recovering = false;
    recoveriesInARow--; // it did not roll back
    troubleStart = rollbackTroubleStart;
    recover(step, "the rollback to " + was + " was refused (" + r.reason() + ")");
  }

  /** The newest checkpoint from before the trouble, or null. */
  private String lastGoodCheckpoint() {
    for (int i = checkpointSteps.size() - 1; i >= 0; i--) {
      if (troubleStart < 0 || checkpointSteps.get(i) < troubleStart) {
        return checkpointIds.get(i);
      }
    }
    return null;
  }
}
