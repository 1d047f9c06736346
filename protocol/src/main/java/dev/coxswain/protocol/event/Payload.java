package dev.coxswain.protocol.event;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Knob;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an event says, one record per {@link EventType}, like {@code Action} for commands (the
 * values they share or nest, such as {@link GoalProgress} and {@link DataSource}, stand beside it).
 * The JSON form of each (snake_case keys, absent for null) is the {@code payload} object that the
 * wire and {@code events.jsonl} have carried since the first release: {@link Payloads} converts
 * both ways.
 */
public sealed interface Payload
    permits Payload.Metrics,
        Payload.Eval,
        Payload.CommandSent,
        Payload.Result,
        Payload.Knobs,
        Payload.Status,
        Payload.Checkpoint,
        Payload.Branch,
        Payload.Health,
        Payload.Note,
        Payload.Data,
        Payload.AgentDecision,
        Payload.AgentOutcome,
        Payload.Evaluating,
        Payload.Heartbeat {

  /** The event type this payload belongs to. */
  EventType type();

  /**
   * One training step's figures.
   *
   * @param loss the step's training loss; null when it was not finite (the step was skipped)
   * @param gradNorm the global gradient norm before clipping; null when not finite
   * @param clipScale the factor the gradients were multiplied by (1: no clipping)
   * @param updateRatio ||Δw|| / ||w|| when measured this step, else null
   * @param tokensPerS throughput in the workload's unit (tokens or samples) per second
   * @param lr the learning rate the step ran with: Coxswain's own loop's, or the first knob with
   *     the role learning_rate of a loop of its own; null when the run has none
   * @param values a loop's own named figures for the step (a GAN's two losses, say), or null
   *     <p>Nothing is required: a loop of its own may report no more than its loss or its values.
   */
  record Metrics(
      Double loss,
      Double lr,
      Double gradNorm,
      Double clipScale,
      Double updateRatio,
      Double tokensPerS,
      Double stepMs,
      Boolean skipped,
      Map<String, Double> values)
      implements Payload {
    public Metrics {
      // what a loop that reports less means: no clipping, nothing skipped
      clipScale = clipScale == null ? 1.0 : clipScale;
      skipped = skipped != null && skipped;
    }

    /** Coxswain's own loop's figures, without named values. */
    public Metrics(
        Double loss,
        Double lr,
        Double gradNorm,
        Double clipScale,
        Double updateRatio,
        Double tokensPerS,
        Double stepMs,
        Boolean skipped) {
      this(loss, lr, gradNorm, clipScale, updateRatio, tokensPerS, stepMs, skipped, null);
    }

    @Override
    public EventType type() {
      return EventType.METRICS;
    }

    /** The step's time in ms, NaN when the loop did not say. */
    public double stepMillis() {
      return stepMs == null ? Double.NaN : stepMs;
    }

    /** The step's throughput, NaN when the loop did not say. */
    public double throughput() {
      return tokensPerS == null ? Double.NaN : tokensPerS;
    }
  }

  /**
   * An evaluation on the validation batches.
   *
   * @param perplexity exp(eval_loss), for language models
   * @param metrics the workload's own metrics (accuracy...), absent when it has none
   * @param better per metric, "higher" or "lower"
   * @param sources the validation loss of each data source of a mixture
   * @param goal the run's goal's progress after this evaluation, when it has a goal
   */
  record Eval(
      @JsonProperty(required = true) double evalLoss,
      Double perplexity,
      Map<String, Double> metrics,
      Map<String, String> better,
      Map<String, Double> sources,
      Integer batches,
      Double evalMs,
      GoalProgress goal)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.EVAL;
    }

    /** The same evaluation with the goal's progress after it. */
    public Eval withGoal(GoalProgress progress) {
      return new Eval(evalLoss, perplexity, metrics, better, sources, batches, evalMs, progress);
    }

    /** The value a goal or a report may name: eval_loss, perplexity or a workload metric. */
    public Double value(String name) {
      return switch (name) {
        case "eval_loss" -> evalLoss;
        case "perplexity" -> perplexity;
        default -> metrics == null ? null : metrics.get(name);
      };
    }
  }

  /** A command received (before it is applied): its one result follows as a {@link Result}. */
  record CommandSent(Command command) implements Payload {
    @Override
    public EventType type() {
      return EventType.COMMAND;
    }
  }

  /** A command's one result: applied (from which step), rejected (why) or failed (the error). */
  record Result(CommandResult result) implements Payload {
    @Override
    public EventType type() {
      return EventType.COMMAND_RESULT;
    }
  }

  /**
   * The knobs' values now. At a run's start it carries the full table ({@code specs}) and the
   * actions the run registered ({@code actions}); after a change, what changed, by whose command,
   * from which step; after a lock, the locked knobs.
   *
   * @param changed per knob changed, its old and new value
   */
  record Knobs(
      @JsonProperty(required = true) Map<String, Double> knobs,
      List<Knob> specs,
      List<ActionSpec> actions,
      List<String> locks,
      Map<String, Change> changed,
      String commandId,
      String source,
      Long fromStep)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.KNOBS;
    }
  }

  /** One knob's change. */
  record Change(Double from, Double to) {}

  /**
   * The run's status: running, paused, finished, stopped, failed (with the error), or resuming
   * (with the branch and step it resumes from, the checkpoint in words, and the checkpoints it
   * passed over). Steps of that branch after {@code fromStep} are trained again.
   */
  record Status(
      @JsonProperty(required = true) String status,
      String error,
      String branch,
      String from,
      Long fromStep,
      List<Skipped> skipped)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.STATUS;
    }

    /** A plain status change. */
    public static Status of(String status) {
      return new Status(status, null, null, null, null, null);
    }
  }

  /** A checkpoint a resume passed over, and why (a missing or corrupt file). */
  record Skipped(String checkpoint, String why) {}

  /**
   * A checkpoint saved.
   *
   * @param id branch/step, e.g. {@code main/200}
   * @param periodic whether it is one the run keeps a few of (pruned as it goes)
   * @param pruned the periodic checkpoints this save removed
   */
  record Checkpoint(
      @JsonProperty(required = true) String id, String tag, boolean periodic, List<String> pruned)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.CHECKPOINT;
    }
  }

  /** A new branch: the run loaded a checkpoint and goes on from it under a new name. */
  record Branch(
      @JsonProperty(required = true) String branch,
      String checkpoint,
      String parentBranch,
      long leftAtStep,
      long resumesAtStep)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.BRANCH;
    }
  }

  /**
   * Something a person should know about the run's health: a loss spike, a skipped non-finite step,
   * a lost trainer, a refused forged command, the agent's trouble.
   *
   * @param kind spike, nonfinite, trainer_lost, forged_command, agent_... (open set)
   * @param loss for a spike or a non-finite step, the loss (non-finite values as "NaN"/"Infinity")
   * @param gradNorm for a non-finite step, the gradient norm
   * @param action what the run did about it
   */
  record Health(
      @JsonProperty(required = true) String kind,
      String message,
      Double loss,
      Double windowMean,
      Double ratio,
      Double gradNorm,
      String action,
      Long lostForMs)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.HEALTH;
    }

    /** A health event that is only a kind and a sentence. */
    public static Health of(String kind, String message) {
      return new Health(kind, message, null, null, null, null, null, null);
    }
  }

  /** Words in the run's history: a person's or the agent's note, or the server's. */
  record Note(@JsonProperty(required = true) String text, String source) implements Payload {
    @Override
    public EventType type() {
      return EventType.NOTE;
    }
  }

  /**
   * The data changed: at the start (the sources and their weights), a new mixture, or sources
   * reloaded (files and their hashes).
   *
   * @param change start, mixture or reload
   * @param reloaded for a reload, the sources read again
   * @param sources the sources, with their files and hashes
   */
  record Data(
      @JsonProperty(required = true) String change,
      Long fromStep,
      Map<String, Double> weights,
      Map<String, Double> before,
      List<String> reloaded,
      List<DataSource> sources,
      String commandId)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.DATA;
    }
  }

  /**
   * One decision of the agent, as its journal has it (without the full prompt, which stays in
   * {@code agent.jsonl}; its digest is here).
   */
  record AgentDecision(
      @JsonProperty(required = true) String id,
      Instant time,
      long step,
      String policy,
      String promptName,
      String promptSha256,
      String response,
      Usage usage,
      Double costUsd,
      Double budgetSpentUsd,
      Long latencyMs,
      Integer attempts,
      Decision decision,
      List<String> guardrailEdits,
      String personWords,
      List<String> notes,
      String commandId)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.AGENT_DECISION;
    }
  }

  /** Tokens a decision took. */
  record Usage(long inputTokens, long outputTokens, long reasoningTokens) {}

  /** What the agent chose: an action, its arguments and why. */
  record Decision(String action, Map<String, Object> args, String rationale) {}

  /**
   * What followed a decision over the next window.
   *
   * @param basis the metric compared (eval_loss, a goal's metric, or train_loss)
   * @param verdict helped, hurt or neutral
   */
  record AgentOutcome(
      @JsonProperty(required = true) String decisionId,
      long decisionStep,
      long step,
      boolean acted,
      String basis,
      Double before,
      Double after,
      Double lossBefore,
      Double lossAfter,
      String verdict)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.AGENT_OUTCOME;
    }
  }

  /** An evaluation a command asked for has started; its result follows when it is done. */
  record Evaluating(@JsonProperty(required = true) String commandId, boolean paused)
      implements Payload {
    @Override
    public EventType type() {
      return EventType.EVALUATING;
    }
  }

  /** A sign of life from a trainer that has nothing else to say. */
  record Heartbeat(Long step) implements Payload {
    @Override
    public EventType type() {
      return EventType.HEARTBEAT;
    }
  }
}
