package dev.coxswain.server.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Source;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.bench.BenchModel;
import dev.coxswain.trainer.bench.PlainLoop;
import dev.coxswain.trainer.bench.ThroughputBenchmark;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.events.WriterSink;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What {@code scripts/gpu-check.sh} proves on a CUDA machine, each proof a line of its report: the
 * run trains on the device asked for (run.json says so, and so do the model's arrays); a command
 * applies at the next step; a checkpoint saved and loaded onto a branch gives bit-equal weights and
 * moments; the model's arrays and the device's memory stay flat over forks; and the step time
 * against a plain DJL loop for each configuration given. The same code runs on the CPU ({@code
 * --device cpu}) in its test.
 */
public final class GpuCheck {
  private static final long WAIT_S = 120;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What to check.
   *
   * @param run the run's configuration (its model, data and device)
   * @param forks load_checkpoint forks while the leak is measured
   * @param benchSteps measured steps per arm and configuration; 0 skips the step-time figures
   * @param rounds turns each arm takes in the step-time figures
   * @param speedOf the configurations whose step time is measured, by name
   * @param root where the run directory and the benchmarks' scratch go
   */
  public record Options(
      RunConfig run,
      int forks,
      int benchSteps,
      int rounds,
      Map<String, CharGptWorkload> speedOf,
      Path root) {}

  /** One proof: its name, whether it held, and what was seen. */
  public record Proof(String name, boolean held, String seen) {}

  /** Every proof and every step-time line. */
  public record Report(String device, List<Proof> proofs, List<String> figures) {
    public boolean held() {
      return proofs.stream().allMatch(Proof::held);
    }
  }

  private GpuCheck() {}

  /**
   * Runs every proof and prints each as it ends.
   *
   * @throws RunConfig.ConfigException when the device cannot be had (no CUDA libtorch loaded, no
   *     GPU visible), naming why and the fix, before anything is written
   */
  public static Report run(Options o, PrintStream out) throws Exception {
    RunSpec spec = RunSpec.resolve(o.run(), 1_000_000, Map.of());
    Path dir = o.root().resolve(spec.runId());
    List<Proof> proofs = new ArrayList<>();
    String device;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    RunWatch watch = new RunWatch();
    try (RunStore store = RunStore.create(dir, spec.runJson());
        WriterSink events = new WriterSink(e -> watch.accept(store.append(e)));
        InteractiveTrainer t =
            InteractiveTrainer.builder(spec.workload(), spec.trainer())
                .optRunDir(dir)
                .optSink(events)
                .build()) {
      device = deviceName(t.device());
      Future<RunOutcome> running = pool.submit(t::run);
      watch.awaitStep(5, WAIT_S);
      proofs.add(report(out, device(dir, t, spec)));
      CheckpointMeta saved = checkpoint(t, "gpu-check");
      proofs.add(report(out, commandAtNextStep(t, watch)));
      apply(t, "pause", Map.of());
      watch.awaitStatus("paused", WAIT_S);
      proofs.add(report(out, flatOverForks(t, o.forks())));
      proofs.add(report(out, bitEqualBranch(t, saved)));
      apply(t, "stop", Map.of());
      running.get(WAIT_S, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    List<String> figures = new ArrayList<>();
    if (o.benchSteps() > 0) {
      for (Map.Entry<String, CharGptWorkload> c : o.speedOf().entrySet()) {
        String line = stepTime(c.getKey(), c.getValue(), o);
        out.println(line);
        figures.add(line);
      }
    }
    return new Report(device, proofs, figures);
  }

  private static Proof report(PrintStream out, Proof p) {
    out.printf(Locale.ROOT, "%s %-28s %s%n", p.held() ? "PASS" : "FAIL", p.name(), p.seen());
    return p;
  }

  /** run.json names the device the run asked for, and the model's arrays are on it. */
  private static Proof device(Path dir, InteractiveTrainer t, RunSpec spec) throws Exception {
    Map<?, ?> runJson = JSON.readValue(dir.resolve("run.json").toFile(), Map.class);
    Map<?, ?> d = (Map<?, ?>) runJson.get("device");
    String recorded = d == null ? null : String.valueOf(d.get("name"));
    String actual = deviceName(t.device());
    Object gpu = d == null ? null : d.get("gpu_name");
    String asked = spec.config().device() == null ? "auto" : spec.config().device();
    boolean held =
        actual.equals(recorded)
            && (asked.equals("auto")
                || asked.equals(actual)
                || (asked.equals("gpu") && actual.startsWith("gpu:")));
    return new Proof(
        "trains on the device",
        held,
        "run.json says "
            + recorded
            + (gpu != null ? " (" + gpu + ")" : "")
            + ", the model's arrays are on "
            + actual
            + ", asked for "
            + asked);
  }

  /** set_knobs lr applies from the step after the one under way, and no earlier. */
  private static Proof commandAtNextStep(InteractiveTrainer t, RunWatch watch) throws Exception {
    double old = watch.lr(watch.lastStep());
    double lr = old / 2;
    CommandResult r = apply(t, "set_knobs", Map.of("lr", lr));
    long from = r.step();
    watch.awaitStep(from, WAIT_S);
    Double before = watch.lr(from - 1);
    Double at = watch.lr(from);
    boolean held = before != null && before == old && at != null && at == lr;
    return new Proof(
        "command at the next step",
        held,
        String.format(
            Locale.ROOT,
            "set_knobs lr %.3g applied from step %d: lr %s at step %d, %s at step %d",
            lr,
            from,
            before,
            from - 1,
            at,
            from));
  }

  /** N forks from the checkpoint: the model's arrays and the device's memory do not grow. */
  private static Proof flatOverForks(InteractiveTrainer t, int forks) throws Exception {
    long[] count = new long[forks + 1];
    long[] bytes = new long[forks + 1];
    long[] device = new long[forks + 1];
    for (int i = 0; i <= forks; i++) {
      if (i > 0) {
        apply(t, "load_checkpoint", Map.of("checkpoint", "gpu-check"));
      }
      count[i] = t.liveArrayCount();
      bytes[i] = t.liveArrayBytes();
      device[i] = deviceBytesUsed(t.device());
    }
    // after the first fork (which may free what training had made) no array may pile up; a leak
    // keeps a copy of the model per fork, so the device may grow by allocator noise only: half a
    // copy, or up to 64 MiB (the caching allocator's segments) where the forks' leak would be more
    long deviceGrowth = device[forks] - device[1];
    long allowed = Math.max(bytes[1] / 2, Math.min(64L << 20, (forks - 1) * bytes[1] / 2));
    boolean held =
        forks > 0
            && count[forks] == count[1]
            && bytes[forks] == bytes[1]
            && deviceGrowth <= allowed;
    return new Proof(
        "flat over " + forks + " forks",
        held,
        String.format(
            Locale.ROOT,
            "live arrays %d (%,d bytes) before, %d (%,d) after the first, %d (%,d) after the last;"
                + " device memory in use %s before, %s after the first, %s after the last",
            count[0],
            bytes[0],
            count[1],
            bytes[1],
            count[forks],
            bytes[forks],
            mib(device[0]),
            mib(device[1]),
            mib(device[forks])));
  }

  /** Saved again right after the load, the branch's checkpoint holds the very same bytes. */
  private static Proof bitEqualBranch(InteractiveTrainer t, CheckpointMeta saved) throws Exception {
    CheckpointMeta back = checkpoint(t, "gpu-check-back");
    boolean params = saved.files().get("params.bin").equals(back.files().get("params.bin"));
    boolean moments = saved.files().get("optimizer.bin").equals(back.files().get("optimizer.bin"));
    boolean held = params && moments && saved.step() == back.step();
    return new Proof(
        "checkpoint round trip",
        held,
        String.format(
            Locale.ROOT,
            "%s loaded onto branch %s and saved as %s: weights %s, moments %s (sha256)",
            saved.id(),
            back.branch(),
            back.id(),
            params ? "bit-equal" : "DIFFERENT",
            moments ? "bit-equal" : "DIFFERENT"));
  }

  /** Step time of Coxswain against the plain DJL loop clipping as it does, side by side. */
  private static String stepTime(String name, CharGptWorkload w, Options o) throws Exception {
    int turn = o.benchSteps() / o.rounds();
    ThroughputBenchmark.Options b =
        new ThroughputBenchmark.Options(
            BenchModel.of(w),
            turn * o.rounds(),
            turn,
            turn,
            1e-4,
            10,
            Files.createDirectories(o.root()));
    ThroughputBenchmark.Result r =
        ThroughputBenchmark.run(b, ThroughputBenchmark.standardArms(), s -> {});
    ThroughputBenchmark.Ratio clip = r.ratio(ThroughputBenchmark.COXSWAIN, PlainLoop.CLIPPING);
    ThroughputBenchmark.Ratio bare = r.ratio(ThroughputBenchmark.COXSWAIN, PlainLoop.BARE);
    return String.format(
        Locale.ROOT,
        "step time %s (%d layers, width %d, context %d, batch %d, %,d parameters) on %s:"
            + " coxswain %.2f ms, plain + clipping %.2f ms, bare DJL %.2f ms;"
            + " throughput coxswain / plain + clipping %.3f (quartiles %.3f-%.3f),"
            + " coxswain / bare %.3f, %d rounds",
        name,
        w.layers(),
        w.embed(),
        w.context(),
        w.batchSize(),
        r.parameters(),
        deviceName(Engine.getInstance().defaultDevice()),
        r.arm(ThroughputBenchmark.COXSWAIN).medianMs(),
        r.arm(PlainLoop.CLIPPING).medianMs(),
        r.arm(PlainLoop.BARE).medianMs(),
        clip.median(),
        clip.q1(),
        clip.q3(),
        bare.median(),
        r.rounds());
  }

  private static CheckpointMeta checkpoint(InteractiveTrainer t, String tag) throws Exception {
    apply(t, "save_checkpoint", Map.of("tag", tag));
    return t.checkpoints().stream()
        .filter(c -> tag.equals(c.tag()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no checkpoint tagged " + tag));
  }

  private static CommandResult apply(InteractiveTrainer t, String type, Map<String, Object> args)
      throws Exception {
    CommandResult r = t.submit(Command.of(type, Source.HUMAN, args)).get(WAIT_S, TimeUnit.SECONDS);
    if (r.status() != CommandStatus.APPLIED) {
      throw new IllegalStateException(type + " " + args + " was " + r.status() + ": " + r.reason());
    }
    return r;
  }

  /** Device memory in use (the CUDA driver's count, caching allocator included); 0 on the CPU. */
  private static long deviceBytesUsed(Device d) {
    return d.isGpu() ? CudaUtils.getGpuMemory(d).getUsed() : 0;
  }

  private static String deviceName(Device d) {
    return d.isGpu() ? "gpu:" + d.getDeviceId() : "cpu";
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
