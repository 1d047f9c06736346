package dev.coxswain.server.cli;

import dev.coxswain.run.RunConfig;
import dev.coxswain.server.bench.GpuCheck;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coxswain gpu-check}: what scripts/gpu-check.sh proves on a CUDA machine. */
@Command(
    name = "gpu-check",
    header = "proofs on a GPU: device, commands, checkpoints, leaks, speed",
    mixinStandardHelpOptions = true,
    description =
        "Trains the default workload on --device and proves: run.json and the model's arrays say"
            + " the device; a command applies at the next step; a checkpoint loaded onto a branch"
            + " saves back bit-equal weights and moments; live arrays and device memory are flat"
            + " over forks. Then the step time against a plain DJL loop for the default and the"
            + " gpt2-small configurations. Exit 0 when every proof held, 1 when one did not, 2"
            + " when the device cannot be had.")
public final class GpuCheckCommand implements Callable<Integer> {
  @Option(names = "--device", description = "cpu, gpu, gpu:N or auto (default ${DEFAULT-VALUE})")
  String device = "gpu";

  @Option(names = "--forks", description = "forks for the leak check (default ${DEFAULT-VALUE})")
  int forks = 20;

  @Option(
      names = "--bench-steps",
      description =
          "measured steps per arm and configuration; 0: no step times (default ${DEFAULT-VALUE})")
  int benchSteps = 60;

  @Option(
      names = "--rounds",
      description = "turns per arm in the step-time figures (default ${DEFAULT-VALUE})")
  int rounds = 6;

  @Option(
      names = "--small-gpt2",
      description = "the gpt2-small configuration at 1 layer, width 32, context 32 (for a CPU)")
  boolean smallGpt2;

  @Option(
      names = "--gpt2-batch",
      description = "sequences per batch of the gpt2-small step times (default: the preset's 8)")
  Integer gpt2Batch;

  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description = "where the check's run directory goes (default: a temporary directory)")
  Path runDir;

  @Mixin WorkloadOptions data;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    if (gpt2Batch != null && gpt2Batch < 1) {
      System.err.println("error: --gpt2-batch must be >= 1, got " + gpt2Batch);
      return 2;
    }
    if (forks < 1 || benchSteps < 0 || rounds < 1 || (benchSteps > 0 && benchSteps / rounds < 3)) {
      System.err.println(
          "error: need --forks >= 1, --rounds >= 1 and --bench-steps 0 or >= 3 per round");
      return 2;
    }
    RunConfig file;
    try {
      file = data.runConfig();
    } catch (RunConfig.ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    CharGptWorkload base = data.workload(file);
    RunConfig run = checkRun(file, base.corpus().toAbsolutePath()).withDevice(device);
    Map<String, CharGptWorkload> speed = new LinkedHashMap<>();
    speed.put("default", base);
    speed.put(smallGpt2 ? "gpt2-small (reduced: 1 layer, width 32)" : "gpt2-small", gpt2(base));
    // made only once the device is had: a GPU that is not there leaves nothing behind
    Path root =
        runDir != null
            ? runDir
            : Path.of(
                System.getProperty("java.io.tmpdir"),
                "coxswain-gpu-check-" + System.currentTimeMillis());
    out.println("gpu-check: device " + device + ", run directory under " + root);
    GpuCheck.Report r;
    try {
      r = GpuCheck.run(new GpuCheck.Options(run, forks, benchSteps, rounds, speed, root), out);
    } catch (RunConfig.ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    long failed = r.proofs().stream().filter(p -> !p.held()).count();
    out.println(
        failed == 0
            ? "gpu-check: all " + r.proofs().size() + " proofs held on " + r.device()
            : "gpu-check: "
                + failed
                + " of "
                + r.proofs().size()
                + " proofs FAILED on "
                + r.device());
    return failed == 0 ? 0 : 1;
  }

  /** The check's run: the file's model and data, no evaluation, no periodic checkpoints. */
  private static RunConfig checkRun(RunConfig f, Path corpus) {
    return new RunConfig(
            "gpu-check-" + System.currentTimeMillis(),
            1_000_000L,
            f.seed(),
            f.lr(),
            0,
            0,
            f.keepCheckpoints(),
            f.updateRatioEvery(),
            f.readEvery(),
            f.spike(),
            f.model(),
            f.data(),
            f.knobs(),
            null,
            f.device(),
            f.optimizer(),
            f.paramGroups(),
            f.accumulate())
        .withOverrides(null, null, null, null, corpus);
  }

  /** GPT-2 small's shape on the run's corpus (its split), or that made small. */
  private CharGptWorkload gpt2(CharGptWorkload base) {
    CharGptWorkload g = CharGptWorkload.gpt2Small();
    if (smallGpt2) {
      g = g.withModel(1, 32, 2, 32);
    }
    return new CharGptWorkload(
        base.corpus(),
        base.holdoutEvery(),
        gpt2Batch != null ? gpt2Batch : smallGpt2 ? 4 : g.batchSize(),
        g.context(),
        g.layers(),
        g.embed(),
        g.heads(),
        Math.min(g.validationBatches(), Math.max(1, base.validationBatches())),
        g.tokenizer());
  }
}
