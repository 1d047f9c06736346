package dev.coxswain.server.cli;

import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options that describe a new run, shared by {@code train} and {@code serve}. */
final class RunOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML run configuration")
  Path config;

  @Option(names = "--max-steps", paramLabel = "N", description = "steps to train")
  Long maxSteps;

  @Option(names = "--lr", paramLabel = "X", description = "starting learning rate (default 0.001)")
  Double lr;

  @Option(
      names = "--seed",
      paramLabel = "S",
      description = "seed for initialization and data order (default 42)")
  Long seed;

  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description = "directory for this run (default runs/<run-id>)")
  Path runDir;

  @Option(
      names = "--corpus",
      paramLabel = "PATH",
      description = "directory of .txt files or one text file (default data/sotu)")
  Path corpus;

  @Option(
      names = "--device",
      paramLabel = "D",
      description =
          "where to train: auto (default: a GPU when the loaded libtorch has CUDA and sees one),"
              + " cpu, gpu or gpu:N")
  String device;

  /**
   * Resolves the run, or prints why not and returns null (the caller exits 2).
   *
   * @param extra more entries for run.json
   */
  RunSpec resolve(long defaultSteps, Map<String, Object> extra, PrintStream err) {
    try {
      RunConfig file = config == null ? RunConfig.empty() : RunConfig.load(config);
      Map<String, Object> all = new LinkedHashMap<>(extra);
      all.put("config_file", config == null ? null : config.toString());
      RunSpec spec =
          RunSpec.resolve(
              file.withOverrides(null, maxSteps, lr, seed, corpus).withDevice(device),
              defaultSteps,
              all);
      spec.announceDevice(err);
      return spec;
    } catch (RunConfig.ConfigException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
    } catch (IOException e) {
      err.println("error: cannot load the corpus: " + e.getMessage());
    }
    return null;
  }

  /** The run's directory: --run-dir, or runs/<id>. */
  Path dir(String runId) {
    return runDir != null ? runDir : Path.of("runs", runId);
  }
}
