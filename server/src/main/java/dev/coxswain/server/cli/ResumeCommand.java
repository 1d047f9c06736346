package dev.coxswain.server.cli;

import dev.coxswain.server.agent.AgentSettings;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.server.config.RunConfig;
import dev.coxswain.server.run.RunSpec;
import dev.coxswain.server.run.RunStore;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    RunStore store;
    try {
      store = RunStore.open(dir);
    } catch (IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    RunSpec spec;
    AgentSettings agent;
    try {
      // the run's agent comes back with it (the key from the environment; budgets start afresh)
      agent =
          joined.requested()
              ? null
              : AgentSettings.fromRunJson(store.runJson().get("agent"), System.getenv());
      Object cfg = store.runJson().get("config");
      if (!(cfg instanceof Map<?, ?> m)) {
        throw new RunConfig.ConfigException(
            "run.json of " + dir + " has no 'config' to resume from");
      }
      // the original run.json stays as it is; only the in-memory spec is rebuilt from its config
      spec = RunSpec.resolve(RunConfig.fromMap((Map<String, Object>) m), 0, Map.of());
    } catch (RunConfig.ConfigException | IllegalArgumentException e) {
      store.close();
      System.err.println("error: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      store.close();
      System.err.println("error: cannot load the corpus: " + e.getMessage());
      return 2;
    }
    Optional<CheckpointMeta> latest =
        new CheckpointStore(dir.resolve("checkpoints")).resolve("latest");
    String from = latest.isPresent() ? "latest" : null;
    // says from which step the branch continues: readers drop the lost steps after it, which the
    // resumed run trains again (the log itself stays append-only)
    Map<String, Object> resuming = new LinkedHashMap<>();
    resuming.put("status", "resuming");
    resuming.put(
        "from", latest.map(m -> "checkpoint " + m.id()).orElse("the start (no checkpoint)"));
    resuming.put("branch", latest.map(CheckpointMeta::branch).orElse("main"));
    resuming.put("from_step", latest.map(CheckpointMeta::step).orElse(0L));
    store.append(dev.coxswain.protocol.EventType.STATUS, resuming);
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
}
