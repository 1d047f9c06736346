package dev.coxswain.server.cli;

import dev.coxswain.run.RunConfig;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --corpus} of the benchmarks: the model and data they measure. */
final class WorkloadOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML run configuration (model and data sizes)")
  Path config;

  @Option(names = "--corpus", paramLabel = "PATH", description = "corpus (default data/sotu)")
  Path corpus;

  /** The configuration file, or every default without one. */
  RunConfig runConfig() throws RunConfig.ConfigException {
    return config == null ? RunConfig.empty() : RunConfig.load(config);
  }

  /** The workload of {@code file}, on {@code --corpus} when given. */
  CharGptWorkload workload(RunConfig file) {
    CharGptWorkload wl = file.workload();
    return corpus == null ? wl : wl.withCorpus(corpus);
  }
}
