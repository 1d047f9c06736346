package dev.coxswain.server.cli;

import dev.coxswain.server.config.RunConfig;
import dev.coxswain.server.notify.Notifier;
import dev.coxswain.server.run.RunSpec;
import dev.coxswain.server.run.RunStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coxswain serve}: the all-in-one server with a run of the default workload. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve the API on loopback and train the default workload in it; COXSWAIN_TOKEN sets the token.")
public final class ServeCommand implements Callable<Integer> {
  @Mixin ServerOptions server = new ServerOptions();

  @Option(names = "--config", paramLabel = "FILE", description = "YAML run configuration")
  Path config;

  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description = "directory for this run (default runs/<run-id>)")
  Path runDir;

  @Option(names = "--max-steps", paramLabel = "N", description = "steps to train (default 2000)")
  Long maxSteps;

  @Option(names = "--lr", paramLabel = "X", description = "starting learning rate")
  Double lr;

  @Option(names = "--seed", paramLabel = "S", description = "seed")
  Long seed;

  @Option(names = "--corpus", paramLabel = "PATH", description = "corpus (default data/sotu)")
  Path corpus;

  @Option(names = "--agent", description = "supervising agent: off (default), rule, openai")
  String agent = "off";

  static final long DEFAULT_STEPS = 2000;

  @Override
  public Integer call() throws Exception {
    PrintStream err = System.err;
    if (!agent.equals("off")) {
      if (!agent.equals("rule") && !agent.equals("openai")) {
        err.println("error: --agent must be off, rule or openai, got '" + agent + "'");
      } else {
        err.println(
            "error: --agent " + agent + " is not available in this build yet; use --agent off");
      }
      return 2;
    }
    Notifier.Options notify;
    RunSpec spec;
    try {
      notify = server.notifier();
      RunConfig file = config == null ? RunConfig.empty() : RunConfig.load(config);
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("agent", Map.of("mode", agent));
      spec =
          RunSpec.resolve(
              file.withOverrides(null, maxSteps, lr, seed, corpus), DEFAULT_STEPS, extra);
    } catch (RunConfig.ConfigException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("error: cannot load the corpus: " + e.getMessage());
      return 2;
    }
    Path dir = runDir != null ? runDir : Path.of("runs", spec.runId());
    RunStore store;
    try {
      store = RunStore.create(dir, spec.runJson());
    } catch (IOException e) {
      err.println("error: cannot create run directory " + dir + ": " + e.getMessage());
      return 2;
    }
    return Serving.serve(server, store, spec, null, dir.toAbsolutePath().getParent());
  }
}
