package dev.coxswain.report;

import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.RunState.Stepped;
import dev.coxswain.run.LogReader;
import dev.coxswain.run.RunStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the morning report says about one run, read from its files: run.json and the event log (each
 * (branch, step) once, as {@link dev.coxswain.run.MetricsHistory} gives them). Every string in it
 * comes from the run (a person, the API, an LLM): writers must escape it.
 *
 * @param run what the run is and where it stands
 * @param points metrics and evaluations, each (branch, step) once, in log order: their payloads
 *     with the step and branch of their events
 * @param metrics the workload's own evaluation metrics (name to "higher" or "lower" is better)
 * @param timeline commands (with their decision, if an agent sent them) and the decisions that sent
 *     none, in log order
 * @param health health events, consecutive ones of one kind on one branch grouped
 * @param forks rollbacks and other new branches, and resumes, in log order
 * @param best the best checkpoint still kept, or null when no kept checkpoint was evaluated
 * @param bestEval the best evaluation anywhere in the run, or null before the first one
 * @param agent the supervising agent's decisions, tokens and cost
 * @param throughput wall time and speed
 * @param generated when the report was made
 * @param logDamage what is wrong with the event log (gaps, numbers twice, unreadable lines, each
 *     with its line number) and what the report skipped for it; empty for a sound log
 */
public record RunReport(
    Run run,
    List<Stepped<Payload>> points,
    Map<String, String> metrics,
    List<Entry> timeline,
    List<Health> health,
    List<Fork> forks,
    Best best,
    Best bestEval,
    Agent agent,
    Throughput throughput,
    Instant generated,
    List<String> logDamage) {

  /** Statuses after which the run's trainer no longer takes commands. */
  public static final Set<String> FINAL = Set.of("finished", "stopped", "failed");

  /**
   * @param live whether a trainer takes its commands now (the API knows; a file reader guesses from
   *     the last status)
   * @param serverUrl where its commands go while it is live, e.g. {@code http://127.0.0.1:7007}
   * @param dirArg how to name the run's directory on a command line
   */
  public record Run(
      String id,
      String status,
      boolean live,
      String serverUrl,
      String dirArg,
      String workload,
      Map<?, ?> model,
      Map<?, ?> config,
      Map<?, ?> agentSpec,
      Map<?, ?> device,
      String version,
      long step,
      String branch,
      Long maxSteps,
      Instant started,
      Instant lastEvent,
      String log) {}

  /** A row of the timeline. */
  public sealed interface Entry permits Intervention, Kept {
    long seq();

    long step();
  }

  /**
   * A command and its one result.
   *
   * @param status applied, rejected, failed, or pending (no result yet)
   * @param resultStep applied: the first step under the change; otherwise where it was handled
   * @param decision the agent's decision that sent it, or null
   */
  public record Intervention(
      long seq,
      long step,
      String branch,
      Instant time,
      String id,
      String source,
      String type,
      Map<String, Object> args,
      String reason,
      String status,
      Long resultStep,
      String resultReason,
      Map<String, Object> detail,
      Decision decision)
      implements Entry {

    /** Where the charts mark it: the step it applied from, or where it was handled. */
    public long markStep() {
      return resultStep != null ? resultStep : step;
    }
  }

  /** One agent decision. */
  public record Decision(
      String id,
      long step,
      String policy,
      String action,
      Map<?, ?> args,
      String rationale,
      List<String> notes,
      long tokens,
      double costUsd) {}

  /** Decisions in a row that sent no command, with the same policy, action and rationale. */
  public record Kept(
      long seq,
      long step,
      Instant time,
      long lastStep,
      int count,
      String policy,
      String action,
      String rationale,
      long tokens,
      double costUsd)
      implements Entry {}

  /** Health events of one kind in a row on one branch. */
  public record Health(
      long seq,
      long step,
      long lastStep,
      String branch,
      String kind,
      int count,
      String message,
      Double maxLoss,
      Double maxRatio) {}

  /**
   * A new branch (a rollback: {@code load_checkpoint}) or a resume after a crash or a stop.
   *
   * @param kind "branch" or "resume"
   * @param checkpoint what it continued from
   * @param leftAtStep branch: the step the parent branch was left at; resume: -1
   * @param resumesAtStep the first step trained again
   * @param cause the command that forked it, or null
   */
  public record Fork(
      long seq,
      String kind,
      String branch,
      String parentBranch,
      String checkpoint,
      long leftAtStep,
      long resumesAtStep,
      Instant time,
      Intervention cause) {}

  /**
   * The best evaluation (of a kept checkpoint, or anywhere).
   *
   * @param checkpoint the checkpoint's id, or null for an evaluation without one
   * @param metric {@code eval_loss} or the workload metric's name
   * @param higherIsBetter which way is better
   * @param onDisk whether its files are in this run directory (a trainer elsewhere keeps its own)
   * @param latest whether it is the run's newest checkpoint (the one {@code resume} continues from)
   */
  public record Best(
      String checkpoint,
      String branch,
      long step,
      String metric,
      double value,
      boolean higherIsBetter,
      Double evalLoss,
      boolean onDisk,
      boolean latest) {}

  /** The agent's work: decisions taken, commands sent, tokens and dollars. */
  public record Agent(
      String mode,
      int decisions,
      int commands,
      long inputTokens,
      long outputTokens,
      long reasoningTokens,
      double costUsd,
      Map<?, ?> budget) {

    public long tokens() {
      return inputTokens + outputTokens;
    }
  }

  /**
   * @param wallSeconds first event to last (pauses and a crash's downtime included)
   * @param stepsComputed every training step, those a rollback or resume threw away included
   * @param stepSeconds time spent in steps (their {@code step_ms})
   * @param tokens tokens trained on, in all steps
   */
  public record Throughput(
      double wallSeconds, long stepsComputed, double stepSeconds, double tokens) {
    public double stepsPerSecond() {
      return wallSeconds > 0 ? stepsComputed / wallSeconds : Double.NaN;
    }

    public double tokensPerSecond() {
      return wallSeconds > 0 ? tokens / wallSeconds : Double.NaN;
    }

    public static Throughput between(
        Instant first, Instant last, long steps, double stepSeconds, double tokens) {
      double wall =
          first == null || last == null ? 0 : Duration.between(first, last).toNanos() / 1e9;
      return new Throughput(wall, steps, stepSeconds, tokens);
    }
  }

  /** Thrown for a directory that holds no run, or a run the report cannot be made of. */
  public static final class NotARun extends Exception {
    public NotARun(String message) {
      super(message);
    }
  }

  /**
   * Reads a run directory without writing to it (its trainer may still be appending): the trainer's
   * log where there is one, else a control plane's replica.
   *
   * @param metric the metric that picks the best checkpoint: null for the validation loss
   */
  public static RunReport read(Path dir, String metric, String serverUrl)
      throws IOException, NotARun {
    if (!Files.isRegularFile(dir.resolve("run.json"))) {
      throw new NotARun(dir + " is not a run directory (it has no run.json)");
    }
    String log = Files.exists(dir.resolve(RunStore.LOG)) ? RunStore.LOG : RunStore.REPLICA;
    ReportBuilder b = new ReportBuilder(ReportBuilder.runJson(dir), dir, log, metric);
    LogReader.read(dir, log, b, b::damage);
    return b.build(null, serverUrl);
  }

  /** The report of a run a server holds, read through its store. */
  public static RunReport of(RunStore store, boolean live, String metric, String serverUrl)
      throws IOException {
    ReportBuilder b =
        new ReportBuilder(
            store.runJson(),
            store.dir(),
            store.isReplica() ? RunStore.REPLICA : RunStore.LOG,
            metric);
    store.forEach(b);
    store.damage().forEach(b::damage);
    return b.build(live, serverUrl);
  }
}
