package dev.coxswain.server.cli;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunLock;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coxswain resume RUN}: continue a crashed or stopped run from its last checkpoint. */
@Command(
    name = "resume",
    header = "continue a run from its latest checkpoint, served",
    mixinStandardHelpOptions = true,
    description =
        "Continue a run from its latest checkpoint, appending to its event log (sequence numbers continue).")
public final class ResumeCommand implements Callable<Integer> {
  @Mixin ServerOptions server = new ServerOptions();

  @Mixin JoinedRun joined = new JoinedRun();

  @Mixin StartOutput start = new StartOutput();

  @Parameters(paramLabel = "RUN", description = "the run's directory, or its id under runs/")
  String run;

  @Option(
      names = "--device",
      paramLabel = "D",
      description = "where to train now: auto, cpu, gpu or gpu:N (default: the run's own setting)")
  String device;

  @Override
  @SuppressWarnings("unchecked")
  public Integer call() throws Exception {
    Path dir = Path.of(run);
    if (!Files.exists(dir.resolve("run.json"))) {
      dir = Path.of("runs", run);
    }
    Credentials credentials = null;
    if (joined.requested()) {
      credentials = joined.check(System.err);
      if (credentials == null) {
        return 2;
      }
    }
    if (!Files.exists(dir.resolve("run.json"))) {
      System.err.println("error: no run at " + dir + " (run.json is missing)");
      return 2;
    }
    // taken before the log is opened: opening repairs a torn tail, which a live writer may be
    // in the middle of writing
    RunLock lock;
    try {
      lock = RunLock.acquire(dir, "resume");
    } catch (IOException e) {
      // another live writer, or a directory this process cannot write (read-only, say)
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    try (lock) {
      return resume(dir, credentials);
    }
  }

  private int resume(Path dir, Credentials credentials) throws Exception {
    RunStore store;
    try {
      store = RunStore.open(dir);
    } catch (IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    for (String d : store.damage()) {
      System.err.println("coxswain: warning: the event log is damaged: " + d);
    }
    RunSpec spec;
    AgentSettings agent;
    try {
      Resolved r = resolve(dir, store);
      spec = r.spec();
      agent = r.agent();
    } catch (RunConfig.ConfigException | IllegalArgumentException e) {
      store.close();
      System.err.println("error: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      store.close();
      System.err.println("error: cannot load the corpus: " + e.getMessage());
      return 2;
    }
    spec.announceDevice(System.err);
    // the state the API serves shows where this session trains; run.json on disk stays as it was
    store.runJson().put("device", spec.runJson().get("device"));
    // the newest checkpoint that verifies (every file present with its sha256); newer broken ones
    // are passed over, and said so, before anything is appended to the log
    CheckpointStore.Choice choice =
        new CheckpointStore(dir.resolve("checkpoints")).latestVerified();
    Optional<CheckpointMeta> latest = choice.checkpoint();
    if (!announce(choice)) {
      store.close();
      System.err.println(
          "error: no checkpoint of "
              + dir
              + " can be read (see above); nothing was changed. Restore one, or start a new run");
      return 2;
    }
    String from = latest.map(CheckpointMeta::id).orElse(null);
    Payload.Status resuming = resuming(choice);
    store.append(dev.coxswain.protocol.EventType.STATUS, Payloads.encode(resuming));
    if (joined.requested()) {
      // the control plane runs the agent (its run.json section travels with the join)
      return joined.train(
          store,
          spec.workload(),
          spec.trainer(),
          from,
          credentials,
          new ProgressPrinter(System.err, spec.trainer().maxSteps(), System.console() != null),
          System.out,
          System.err);
    }
    try {
      start.begin("resuming", store, spec, agent, System.out);
    } catch (IOException e) {
      store.close();
      System.err.println("error: cannot write the server's log in " + dir + ": " + e.getMessage());
      return 2;
    }
    // a resumed run's directory was there before: nothing to remove if the start fails
    return Serving.serve(
        server, store, spec, from, dir.toAbsolutePath().getParent(), agent, () -> {});
  }

  /**
   * Says which checkpoints are passed over and which one the run resumes from.
   *
   * @return false when checkpoints exist and none of them can be read
   */
  private static boolean announce(CheckpointStore.Choice choice) {
    for (CheckpointStore.Skipped k : choice.skipped()) {
      System.err.println("coxswain: skipping checkpoint " + k.id() + ": " + k.why());
    }
    Optional<CheckpointMeta> latest = choice.checkpoint();
    if (latest.isEmpty() && !choice.skipped().isEmpty()) {
      return false;
    }
    latest.ifPresent(
        m ->
            System.err.println(
                "coxswain: resuming from checkpoint " + m.id() + " (step " + m.step() + ")"));
    return true;
  }

  /**
   * The status that says from which step the branch continues: readers drop the lost steps after
   * it, which the resumed run trains again (the log itself stays append-only).
   */
  private static Payload.Status resuming(CheckpointStore.Choice choice) {
    Optional<CheckpointMeta> latest = choice.checkpoint();
    return new Payload.Status(
        "resuming",
        null,
        latest.map(CheckpointMeta::branch).orElse("main"),
        latest.map(m -> "checkpoint " + m.id()).orElse("the start (no checkpoint)"),
        latest.map(CheckpointMeta::step).orElse(0L),
        choice.skipped().isEmpty()
            ? null
            : choice.skipped().stream().map(k -> new Payload.Skipped(k.id(), k.why())).toList());
  }

  /** What a resumed run is rebuilt from: its spec and its agent. */
  private record Resolved(RunSpec spec, AgentSettings agent) {}

  @SuppressWarnings("unchecked")
  private Resolved resolve(Path dir, RunStore store) throws RunConfig.ConfigException, IOException {
    // the run's agent comes back with it (the key from the environment; budgets start afresh)
    AgentSettings agent =
        joined.requested()
            ? null
            : AgentSettings.fromRunJson(store.runJson().get("agent"), System.getenv());
    Object cfg = store.runJson().get("config");
    if (!(cfg instanceof Map<?, ?> m)) {
      throw new RunConfig.ConfigException("run.json of " + dir + " has no 'config' to resume from");
    }
    // the original run.json stays as it is; only the in-memory spec is rebuilt from its config
    RunSpec spec =
        RunSpec.resolve(RunConfig.fromMap((Map<String, Object>) m).withDevice(device), 0, Map.of());
    return new Resolved(spec, agent);
  }
}
