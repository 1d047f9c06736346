package dev.coxswain.experiment;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coxswain experiment FILE}: the LR-recovery case study, every arm and seed, one command.
 */
@Command(
    name = "experiment",
    header = "a case-study experiment from its YAML file",
    mixinStandardHelpOptions = true,
    description =
        "Run an LR-recovery experiment (too-high lr, the agent, a sweep's oracle, linear decay,"
            + " reduce on plateau) for every seed, resuming what is already complete on disk, then"
            + " write the Markdown table and the PNG plots.")
public final class ExperimentCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "experiment YAML")
  Path file;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "where runs and results go (default ${DEFAULT-VALUE})")
  Path out = Path.of("experiments/results");

  @Option(
      names = "--report-only",
      description =
          "train nothing: write the report if every run is complete, else list the missing")
  boolean reportOnly;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "PyTorch intra-op threads (default ${DEFAULT-VALUE}: on a shared 2-core machine, 2 threads"
              + " spin against other processes and a step can take 15x longer; results are the same)")
  int threads = 1;

  /** The command line that produced the results, as printed in them. */
  String commandLine() {
    StringBuilder b = new StringBuilder("./coxswain experiment ").append(file);
    if (!out.equals(Path.of("experiments/results"))) {
      b.append(" --out ").append(out);
    }
    return b.toString();
  }

  @Override
  public Integer call() throws Exception {
    if (threads < 1) {
      System.err.println("error: --threads must be at least 1");
      return 2;
    }
    if (DataUpdateConfig.declaredIn(file)) {
      return dataUpdate();
    }
    LrRecoveryConfig config;
    try {
      config = LrRecoveryConfig.load(file);
    } catch (InvalidExperimentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    if (threads < 1) {
      System.err.println("error: --threads must be at least 1");
      return 2;
    }
    // read when the engine starts, which is after this (nothing has trained in this JVM yet)
    System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    LrRecoveryExperiment x = new LrRecoveryExperiment(config, out, System.getenv(), System.err);
    if (!x.config().agentPolicies().contains("openai") || x.openAiArm()) {
      // nothing to say
    } else {
      System.err.println(
          "experiment: OPENAI_API_KEY is not set: the OpenAI agent arm is left out (rule only)");
    }
    if (!reportOnly) {
      x.runMissing();
    }
    return finish(x.missing(), () -> new LrRecoveryReport(x, commandLine()).write());
  }

  /** The report once every run is complete (0), else the missing runs (3). */
  private static int finish(List<String> missing, Writer report) throws Exception {
    if (!missing.isEmpty()) {
      System.err.println(
          "experiment: not every run is complete, so no table is written; missing: "
              + String.join(", ", missing));
      return 3;
    }
    ResultFiles w = report.write();
    System.out.println(w.table());
    System.err.println("experiment: wrote " + w.files());
    return 0;
  }

  private interface Writer {
    ResultFiles write() throws Exception;
  }

  /** {@code kind: data-update}: the data-update case study, results under {@code OUT/<name>}. */
  private int dataUpdate() throws Exception {
    DataUpdateConfig config;
    try {
      config = DataUpdateConfig.load(file);
    } catch (InvalidExperimentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    Path dir = out.resolve(config.name());
    DataUpdateExperiment x = new DataUpdateExperiment(config, dir, System.err);
    if (!reportOnly) {
      x.runMissing();
    }
    return finish(x.missing(), () -> DataUpdateExperiment.report(x, commandLine(), dir));
  }
}
