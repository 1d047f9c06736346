package dev.coxswain.experiment;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * Runs one seed of one arm in this process, the way {@code serve} runs it (the same run store, the
 * same supervisor and the same commands) but without HTTP, and measures it.
 */
final class LrRecoveryArmRunner {
  private final LrRecoveryConfig config;
  private final Map<String, String> env;
  private final ResultOrigin made;

  LrRecoveryArmRunner(LrRecoveryConfig config, Map<String, String> env, ResultOrigin made) {
    this.config = config;
    this.env = env;
    this.made = made;
  }

  /** The run configuration of one arm and seed. */
  RunConfig runConfig(LrRecoveryArm arm, long seed) {
    RunConfig r = config.run();
    return new RunConfig(
        arm.id() + "-s" + seed,
        config.steps(),
        seed,
        config.pretrainSteps() > 0 ? config.pretrainLr() : arm.lr(),
        config.evalEvery(),
        config.checkpointEvery(),
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
        r.accumulate()); // the experiment's goal is declared when the arm's own part starts
  }

  /** The agent of an agent arm (null otherwise). */
  AgentSettings agent(LrRecoveryArm arm) {
    SupervisorConfig loop = SupervisorConfig.defaults().withEvery(config.agentEvery());
    return switch (arm.control()) {
      case AGENT_RULE -> ExperimentAgents.rule(config.agentPrompt(), loop);
      case AGENT_OPENAI -> ExperimentAgents.openAi(env, config.agentPrompt(), loop);
      default -> null;
    };
  }

  private LrSchedule schedule(LrRecoveryArm arm) {
    return switch (arm.control()) {
      case LINEAR_DECAY ->
          LrSchedule.linear(
              arm.lr(), config.decayFinalLr(), config.pretrainSteps(), config.steps(), 10);
      case PLATEAU ->
          LrSchedule.plateau(
              arm.lr(), config.pretrainSteps(), config.plateauPatience(), config.plateauFactor());
      default -> null;
    };
  }

  /**
   * Trains one run into {@code dir} (which must not hold a run yet), then writes {@code
   * result.json} there and deletes the checkpoints.
   */
  LrRecoveryResult run(LrRecoveryArm arm, long seed, Path dir) throws Exception {
    AgentSettings agent = agent(arm);
    RunSpec spec = RunSpec.resolve(runConfig(arm, seed), config.steps(), provenance(arm, agent));
    RunStore store = RunStore.create(dir, spec.runJson());
    Observer seen = new Observer();
    long t0 = System.nanoTime();
    RunOutcome end = train(arm, agent, spec, dir, store, seen);
    double wall = (System.nanoTime() - t0) / 1e9;
    LrRecoveryResult r = result(arm, seed, end, seen, AgentJournalTally.read(dir), wall);
    RunFiles.deleteCheckpoints(dir.resolve("checkpoints"));
    // written last, atomically: its presence is what marks the run complete
    Path tmp = dir.resolve("result.json.tmp");
    Files.writeString(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
    Files.move(
        tmp,
        dir.resolve("result.json"),
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return r;
  }

  /** What run.json says of where the run comes from: the study, the arm, the code, the agent. */
  private Map<String, Object> provenance(LrRecoveryArm arm, AgentSettings agent) {
    Map<String, Object> extra = made.runJson(config.name(), arm.id());
    if (agent != null) {
      extra.put("agent", agent.describe());
    }
    return extra;
  }

  /** Trains the run with its agent (if any) and the arm's own steering; closes the store. */
  private RunOutcome train(
      LrRecoveryArm arm, AgentSettings agent, RunSpec spec, Path dir, RunStore store, Observer seen)
      throws Exception {
    Supervisor supervisor = null;
    AgentLockstep lockstep = new AgentLockstep(); // the agent's decisions apply at fixed steps
    try (InteractiveTrainer trainer =
        InteractiveTrainer.builder(spec.workload(), spec.trainer())
            .optRunDir(dir)
            .optSink(store::append)
            .optRecordCommands(false) // recorded in the store first, as the server does
            .optStepGate(lockstep)
            .build()) {
      store.addListener(seen);
      if (agent != null) {
        supervisor = supervisor(agent, dir, store, trainer);
        store.addListener(supervisor::accept);
        lockstep.follow(supervisor);
      }
      steer(arm, store, trainer);
      RunOutcome end = trainer.run();
      if (supervisor != null) {
        supervisor.drain(120);
      }
      return end;
    } finally {
      if (supervisor != null) {
        supervisor.close();
      }
      store.close();
    }
  }

  /** The agent, sending its commands and events through the store, as the server's does. */
  private static Supervisor supervisor(
      AgentSettings agent, Path dir, RunStore store, InteractiveTrainer trainer)
      throws java.io.IOException {
    return agent.build(
        dir,
        new Supervisor.Gateway() {
          @Override
          public java.util.concurrent.CompletableFuture<CommandResult> submit(Command command) {
            store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(command)));
            return trainer.submit(command);
          }

          @Override
          public void emit(Payload payload) {
            store.append(payload.type(), Payloads.encode(payload));
          }
        });
  }

  /**
   * The arm's own steering: the switch from pretraining to the arm's lr, the goal, the schedule;
   * and a paused run stopped (unattended, nobody resumes it).
   */
  private void steer(LrRecoveryArm arm, RunStore store, InteractiveTrainer trainer) {
    long pre = config.pretrainSteps();
    if (pre == 0) {
      declareGoal(store, trainer); // applied before the first step
    }
    if (pre > 0) {
      store.addListener(
          e -> {
            if (e.type() == EventType.METRICS && e.step() == pre) {
              submit(
                  store,
                  trainer,
                  "set_knobs",
                  Map.of("lr", arm.lr()),
                  "experiment: the pretrained model is trained on at the arm's lr");
              declareGoal(store, trainer);
            }
          });
    }
    // unattended: a run the automatic recovery paused for a person is stopped and reported
    store.addListener(
        e -> {
          if (e.type() == EventType.STATUS
              && "paused".equals(((Payload.Status) e.body()).status())) {
            submit(store, trainer, "stop", Map.of(), "experiment: nobody to resume a paused run");
          }
        });
    LrSchedule schedule = schedule(arm);
    if (schedule != null) {
      store.addListener(
          e -> {
            OptionalDouble lr = schedule.onEvent(e);
            if (lr.isPresent()) {
              Command c =
                  Command.of("set_knobs", Source.RULE, Map.of("lr", lr.getAsDouble()))
                      .withReason(schedule.reason());
              store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(c)));
              trainer.submit(c);
            }
          });
    }
  }

  /** The run's result: its end, the best evaluation on its final line, its lr path, its agent. */
  private LrRecoveryResult result(
      LrRecoveryArm arm,
      long seed,
      RunOutcome end,
      Observer seen,
      AgentJournalTally journal,
      double wall) {
    double best = Double.POSITIVE_INFINITY;
    long bestStep = -1;
    for (double[] p : seen.evals) {
      if (p[1] < best) {
        best = p[1];
        bestStep = (long) p[0];
      }
    }
    List<double[]> lrs = new ArrayList<>(seen.lrs);
    if (!lrs.isEmpty() && lrs.get(lrs.size() - 1)[0] != end.step()) {
      lrs.add(new double[] {end.step(), seen.lr});
    }
    return new LrRecoveryResult(
        arm.id(),
        seed,
        arm.lr(),
        end.status(),
        end.step(),
        seen.stepsTrained,
        end.validationLoss(),
        best,
        bestStep,
        end.trainLoss(),
        seen.lr,
        seen.interventions,
        seen.rollbacks,
        journal.decisions(),
        journal.inputTokens(),
        journal.outputTokens(),
        journal.costUsd(),
        wall,
        seen.evals,
        lrs,
        made.commit(),
        journal.outcomes(),
        made.code(),
        made.codeSha256());
  }

  /** The experiment's goal, if it has one, from the arm's own part on. */
  private void declareGoal(RunStore store, InteractiveTrainer trainer) {
    if (config.goal() != null) {
      submit(store, trainer, "set_goal", config.goal(), "experiment: what every arm is for");
    }
  }

  private static void submit(
      RunStore store,
      InteractiveTrainer trainer,
      String type,
      Map<String, Object> args,
      String reason) {
    Command c = Command.of(type, Source.API, args).withReason(reason);
    store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(c)));
    trainer.submit(c);
  }

  /**
   * Follows the run's events: the evaluations and lr of the line of branches that ends the run (a
   * rollback drops what came after its checkpoint), steps computed in all, and applied commands.
   */
  static final class Observer implements Consumer<Event> {
    /** Evaluations: {step, the validation loss, or the workload metric this observer follows}. */
    final List<double[]> evals = new ArrayList<>();

    final List<double[]> lrs = new ArrayList<>();
    double lr = Double.NaN;
    long stepsTrained;
    int interventions;
    int rollbacks;
    private final Map<String, String> sources = new HashMap<>();
    private final String metric;

    /** An observer of the validation loss. */
    Observer() {
      this(null);
    }

    /**
     * @param metric a workload metric to record instead of the validation loss (accuracy), or null
     */
    Observer(String metric) {
      this.metric = metric;
    }

    @Override
    public void accept(Event e) {
      switch (e.type()) {
        case METRICS -> {
          stepsTrained++;
          double now = ((Payload.Metrics) e.body()).lr();
          if (now != lr) {
            lr = now;
            lrs.add(new double[] {e.step(), lr});
          }
        }
        case EVAL -> {
          Payload.Eval ev = (Payload.Eval) e.body();
          Double v = metric == null ? Double.valueOf(ev.evalLoss()) : ev.value(metric);
          evals.removeIf(x -> x[0] >= e.step());
          evals.add(new double[] {e.step(), v == null ? Double.NaN : v});
        }
        case BRANCH -> {
          long resumes = ((Payload.Branch) e.body()).resumesAtStep();
          evals.removeIf(x -> x[0] >= resumes);
          lrs.removeIf(x -> x[0] >= resumes);
          lr = lrs.isEmpty() ? Double.NaN : lrs.get(lrs.size() - 1)[1];
        }
        case STATUS -> {
          // a resumed run continues from its checkpoint: the lost steps after it are trained again
          Payload.Status s = (Payload.Status) e.body();
          if ("resuming".equals(s.status()) && s.fromStep() != null) {
            long from = s.fromStep();
            evals.removeIf(x -> x[0] > from);
            lrs.removeIf(x -> x[0] > from);
            lr = lrs.isEmpty() ? Double.NaN : lrs.get(lrs.size() - 1)[1];
          }
        }
        case COMMAND -> {
          Command c = ((Payload.CommandSent) e.body()).command();
          sources.put(c.id(), c.source() == null ? null : c.source().wire());
        }
        case COMMAND_RESULT -> {
          CommandResult r = ((Payload.Result) e.body()).result();
          String src = sources.get(r.commandId());
          if (r.isApplied() && ("agent".equals(src) || "rule".equals(src))) {
            interventions++;
            if ("load_checkpoint".equals(r.type())) {
              rollbacks++;
            }
          }
        }
        default -> {}
      }
    }
  }
}
