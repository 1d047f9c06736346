package dev.coxswain.experiment;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one seed of one arm of a scenario in this process, the way {@link LrRecoveryArmRunner} runs
 * the LR-recovery study (the same run store, supervisor and commands, no HTTP): the shared
 * pretraining, then the arm's lr and the goal, the troubles at their steps, the arm's controller,
 * and {@code result.json} last.
 */
final class ScenarioRunner {
  private final Scenario sc;
  private final ResultOrigin made;
  private final Map<String, String> env;
  private final java.util.function.LongFunction<Path> openAiRun;

  ScenarioRunner(Scenario sc, ResultOrigin made) {
    this(sc, made, Map.of(), seed -> null);
  }

  /**
   * @param env the LLM arm's endpoint: OPENAI_API_KEY, OPENAI_BASE_URL, COXSWAIN_AGENT_MODEL
   * @param openAiRun the openai arm's run directory of a seed, whose journal the replay arm replays
   */
  ScenarioRunner(
      Scenario sc,
      ResultOrigin made,
      Map<String, String> env,
      java.util.function.LongFunction<Path> openAiRun) {
    this.sc = sc;
    this.made = made;
    this.env = env;
    this.openAiRun = openAiRun;
  }

  /**
   * The troubles that reach an arm: a wrong choice of lr does not reach a tuned baseline; the
   * untroubled reference keeps only what it needs to evaluate alike ({@link
   * Trouble#inUntroubledRun}).
   */
  List<Trouble> troublesOf(BenchArm arm) {
    if (arm == BenchArm.UNTROUBLED) {
      return sc.troubles().stream()
          .map(Trouble::inUntroubledRun)
          .filter(java.util.Objects::nonNull)
          .toList();
    }
    return sc.troubles().stream().filter(t -> !(arm.tuned() && t.lrChoice())).toList();
  }

  private RunConfig runConfig(
      BenchArm arm, double lr, long seed, int checkpointEvery, String member) {
    RunConfig r = sc.run();
    double first = sc.pretrainSteps() > 0 ? sc.pretrainLr() : lr;
    return new RunConfig(
        arm.wire() + "-s" + seed + member,
        sc.steps(),
        seed,
        first,
        sc.evalEvery(),
        checkpointEvery,
        r.keepCheckpoints(),
        r.updateRatioEvery(),
        r.readEvery(),
        r.spike(),
        r.model(),
        r.data(),
        r.knobs(),
        null,
        null,
        r.optimizer(),
        r.paramGroups(),
        r.accumulate());
  }

  /**
   * The agent of a policy arm (null for the others): the rule policy; the LLM at the endpoint the
   * environment names; or the openai run's decisions of this seed replayed.
   */
  private AgentSettings agent(BenchArm arm, long seed) {
    SupervisorConfig loop = SupervisorConfig.defaults().withEvery(sc.agentEvery());
    return switch (arm) {
      case RULE -> ExperimentAgents.rule("lr-recovery", loop);
      case OPENAI -> ExperimentAgents.openAi(env, "lr-recovery", loop);
      case REPLAY ->
          ExperimentAgents.replay(
              openAiRun.apply(seed).resolve("agent.jsonl"), "lr-recovery", loop);
      default -> null;
    };
  }

  private LrSchedule schedule(BenchArm arm, double lr) {
    return switch (arm) {
      case COSINE -> LrSchedule.cosine(lr, sc.start(), sc.steps(), cosineEvery());
      case LINEAR -> LrSchedule.linear(lr, 0, sc.start(), sc.steps(), cosineEvery());
      case PLATEAU -> LrSchedule.plateau(lr, sc.start(), 2, 0.5);
      case GREEDY -> LrSchedule.greedy(sc.start(), 1.2, 0.5);
      default -> null;
    };
  }

  private int cosineEvery() {
    return (int) Math.max(1, (sc.steps() - sc.start()) / 100);
  }

  /**
   * A run's observer: of the validation loss (perplexity is its exp, taken when the result is
   * made), or of the workload metric that the goal names (accuracy).
   */
  LrRecoveryArmRunner.Observer observer() {
    boolean loss = sc.metric().equals("eval_loss") || sc.metric().equals("perplexity");
    return new LrRecoveryArmRunner.Observer(loss ? null : sc.metric());
  }

  /** {@link #run(BenchArm, double, long, Path, ScenarioResult)} without an untroubled run. */
  ScenarioResult run(BenchArm arm, double lr, long seed, Path dir) throws Exception {
    return run(arm, lr, seed, dir, null);
  }

  /**
   * Trains one run into {@code dir} (which must hold no run yet), writes {@code result.json} there
   * with the run's scores (not for a sweep point nor the untroubled reference) and deletes the
   * checkpoints.
   *
   * @param lr the lr of the arm's own part: the person's for none and rule, the sweep's else
   * @param untroubled the untroubled reference run of this seed, or null when there is none
   */
  ScenarioResult run(BenchArm arm, double lr, long seed, Path dir, ScenarioResult untroubled)
      throws Exception {
    List<Trouble> troubles = troublesOf(arm);
    ScenarioResult r =
        arm == BenchArm.PBT
            ? new PopulationRunner(sc, this, made).run(lr, seed, dir, troubles)
            : train(arm, lr, seed, dir, troubles);
    if (arm != BenchArm.TUNE && arm != BenchArm.UNTROUBLED) {
      RunScores s = RunScores.of(r, untroubled, sc.deadline(), sc.maximize());
      if (arm == BenchArm.OPENAI) {
        s = s.withLlm(AgentJournalTally.read(dir));
      }
      r = r.withScores(s);
    }
    write(dir, r);
    return r;
  }

  private ScenarioResult train(BenchArm arm, double lr, long seed, Path dir, List<Trouble> troubles)
      throws Exception {
    AgentSettings agent = agent(arm, seed);
    RunSpec spec = spec(arm, lr, seed, sc.checkpointEvery(), "", troubles);
    RunStore store = RunStore.create(dir, spec.runJson());
    LrRecoveryArmRunner.Observer seen = observer();
    ArmController controller = new ArmController(seen);
    long t0 = System.nanoTime();
    RunOutcome end;
    Supervisor supervisor = null;
    AgentLockstep lockstep = new AgentLockstep(); // the agent's decisions apply at fixed steps
    try (InteractiveTrainer trainer =
        InteractiveTrainer.builder(spec.workload(), spec.trainer())
            .optRunDir(dir)
            .optSink(store::append)
            .optRecordCommands(false)
            .optStepGate(lockstep)
            .build()) {
      store.addListener(seen);
      store.addListener(controller);
      if (agent != null) {
        supervisor = agent.build(dir, gateway(store, trainer));
        store.addListener(supervisor::accept);
        lockstep.follow(supervisor);
      }
      steer(
          (source, type, args, reason) -> submit(store, trainer, source, type, args, reason),
          store,
          arm,
          lr,
          troubles);
      end = trainer.run();
      if (supervisor != null) {
        supervisor.drain(120);
      }
    } finally {
      if (supervisor != null) {
        supervisor.close();
      }
      store.close();
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    ScenarioResult r = result(arm, lr, seed, dir, end, seen, controller, troubles, wall);
    RunFiles.deleteCheckpoints(dir.resolve("checkpoints"));
    return r;
  }

  /**
   * One run's configuration and workload (the garbage of a corrupted-batches trouble wrapped in).
   *
   * @param member appended to the run id (a member of the population), or ""
   */
  RunSpec spec(
      BenchArm arm,
      double lr,
      long seed,
      int checkpointEvery,
      String member,
      List<Trouble> troubles)
      throws RunConfig.ConfigException, java.io.IOException {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("benchmark", sc.name());
    extra.put("scenario_digest", sc.digest());
    extra.put("arm", arm.wire());
    extra.put("commit", made.commit());
    extra.put("code", made.code());
    extra.put("code_sha256", made.codeSha256());
    extra.put("troubles", troubles.stream().map(Trouble::describe).toList());
    AgentSettings agent = agent(arm, seed);
    if (agent != null) {
      extra.put("agent", agent.describe()); // no key: the endpoint's host only
    }
    RunConfig config = runConfig(arm, lr, seed, checkpointEvery, member);
    RunSpec plain =
        sc.classifier()
            ? RunSpec.resolve(config, sc.steps(), extra, ScenarioImages.workload(sc, seed))
            : RunSpec.resolve(config, sc.steps(), extra);
    return new RunSpec(
        plain.runId(),
        plain.config(),
        plain.trainer(),
        CorruptedBatches.wrap(plain.workload(), troubles, seed),
        plain.runJson());
  }

  /** What a run's commands go through: the store first, then the trainer. */
  interface Sender {
    void send(Source source, String type, Map<String, Object> args, String reason);
  }

  /**
   * The arm's part, the goal and the troubles at their steps; the unattended stop; the arm's
   * schedule. Each runs on the training thread, so a command lands at the next control point.
   */
  void steer(Sender to, RunStore store, BenchArm arm, double lr, List<Trouble> troubles) {
    Injections at = new Injections();
    long start = sc.start();
    if (start > 0) {
      at.add(
          start,
          () ->
              to.send(
                  Source.API,
                  "set_knobs",
                  Map.of("lr", lr),
                  "benchmark: the arm's own part starts at its lr"));
    }
    at.add(
        start,
        () -> to.send(Source.API, "set_goal", sc.goal(), "benchmark: what every arm is scored on"));
    troubles.forEach(t -> inject(at, to, t));
    at.fire(0); // before the first step
    store.addListener(
        e -> {
          if (e.type() == EventType.METRICS) {
            at.fire(e.step());
          }
        });
    // unattended: a run the automatic recovery paused for a person is stopped and reported
    store.addListener(
        e -> {
          if (e.type() == EventType.STATUS
              && "paused".equals(((Payload.Status) e.body()).status())) {
            to.send(Source.API, "stop", Map.of(), "benchmark: nobody to resume it");
          }
        });
    LrSchedule schedule = schedule(arm, lr);
    if (schedule != null) {
      store.addListener(
          e -> {
            OptionalDouble next = schedule.onEvent(e);
            if (next.isPresent()) {
              to.send(
                  Source.RULE, "set_knobs", Map.of("lr", next.getAsDouble()), schedule.reason());
            }
          });
    }
  }

  /** What a trouble does at its step (corrupted batches and overfitting act through the data). */
  private static void inject(Injections at, Sender to, Trouble t) {
    if (t.lrChoice()) {
      at.add(
          t.step(),
          () -> to.send(Source.API, "set_knobs", Map.of("lr", t.lr()), "the lr the run was given"));
    } else if (t.kind() == Trouble.Kind.DATA_ARRIVING) {
      at.add(
          t.step(),
          () ->
              to.send(
                  Source.API,
                  "set_data_mixture",
                  Map.of("weights", Map.of("old", 1.0, "new", 1.0)),
                  "new data has arrived"));
    } else if (t.kind() == Trouble.Kind.KNOB_MISTAKE) {
      at.add(
          t.step(),
          () ->
              to.send(
                  Source.HUMAN,
                  "scale_knob",
                  Map.of("knob", "lr", "factor", t.factor()),
                  "a person's change"));
    }
  }

  /** Written last, atomically: its presence is what marks the run complete. */
  private static void write(Path dir, ScenarioResult r) throws java.io.IOException {
    Path tmp = dir.resolve("result.json.tmp");
    Files.writeString(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
    Files.move(
        tmp,
        dir.resolve("result.json"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  private ScenarioResult result(
      BenchArm arm,
      double lr,
      long seed,
      Path dir,
      RunOutcome end,
      LrRecoveryArmRunner.Observer seen,
      ArmController controller,
      List<Trouble> troubles,
      double wall)
      throws java.io.IOException {
    AgentJournalTally journal = AgentJournalTally.read(dir);
    List<double[]> evals = new ArrayList<>();
    for (double[] e : seen.evals) {
      double v = sc.metric().equals("perplexity") ? Math.exp(e[1]) : e[1];
      evals.add(new double[] {e[0], v});
    }
    return new ScenarioResult(
        sc.name(),
        sc.digest(),
        arm.wire(),
        seed,
        lr,
        end.status(),
        end.step(),
        seen.stepsTrained,
        sc.metric(),
        evals,
        troubles,
        controller.actions,
        journal.decisions(),
        journal.outcomes(),
        made.commit(),
        wall,
        null);
  }

  private static Supervisor.Gateway gateway(RunStore store, InteractiveTrainer trainer) {
    return new Supervisor.Gateway() {
      @Override
      public CompletableFuture<CommandResult> submit(Command command) {
        store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(command)));
        return trainer.submit(command);
      }

      @Override
      public void emit(Payload payload) {
        store.append(payload.type(), Payloads.encode(payload));
      }
    };
  }

  static void submit(
      RunStore store,
      InteractiveTrainer trainer,
      Source source,
      String type,
      Map<String, Object> args,
      String reason) {
    Command c = Command.of(type, source, args).withReason(reason);
    store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(c)));
    trainer.submit(c);
  }

  /** What happens after a given step, each once (a rollback does not repeat a person's mistake). */
  private static final class Injections {
    private final TreeMap<Long, List<Runnable>> due = new TreeMap<>();

    void add(long step, Runnable r) {
      due.computeIfAbsent(step, k -> new ArrayList<>()).add(r);
    }

    void fire(long step) {
      List<Runnable> now = due.remove(step);
      if (now != null) {
        now.forEach(Runnable::run);
      }
    }
  }
}
