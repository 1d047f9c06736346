package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.engine.Engine;
import dev.coxswain.server.Main;
import dev.coxswain.server.TestRuns;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gpu-check}, the entry point of scripts/gpu-check.sh, run on this CPU with {@code --device
 * cpu} and tiny models: every proof runs and reports; asked for a GPU here, it stops with the
 * reason and writes nothing.
 */
class GpuCheckCommandTest {
  @TempDir Path dir;
  @RegisterExtension final CapturedOutput io = new CapturedOutput();
  private final ByteArrayOutputStream out = io.out;
  private final ByteArrayOutputStream err = io.err;

  private int check(Path runs, String device) throws Exception {
    return new CommandLine(new Main())
        .execute(
            "gpu-check",
            "--device",
            device,
            "--config",
            TestRuns.config(dir, 3, 0).toString(),
            "--forks",
            "5",
            "--bench-steps",
            "9",
            "--rounds",
            "3",
            "--small-gpt2",
            "--run-dir",
            runs.toString());
  }

  @Test
  void onTheCpuEveryProofRunsHoldsAndPrintsWhatItSaw() throws Exception {
    int code = check(dir.resolve("runs"), "cpu");
    String o = out.toString(StandardCharsets.UTF_8);
    io.terminal().println(o);
    assertEquals(0, code, o + err.toString(StandardCharsets.UTF_8));
    assertTrue(o.contains("PASS trains on the device"), o);
    assertTrue(o.contains("run.json says cpu"), o);
    assertTrue(o.contains("the model's arrays are on cpu"), o);
    assertTrue(o.contains("PASS command at the next step"), o);
    assertTrue(o.contains("PASS flat over 5 forks"), o);
    assertTrue(o.contains("PASS checkpoint round trip"), o);
    assertTrue(o.contains("weights bit-equal, moments bit-equal"), o);
    assertTrue(o.contains("step time default (1 layers, width 16"), o);
    assertTrue(o.contains("step time gpt2-small (reduced: 1 layer, width 32) (1 layers"), o);
    assertTrue(o.contains("throughput coxswain / plain + clipping"), o);
    assertTrue(o.contains("gpu-check: all 4 proofs held on cpu"), o);
  }

  @Test
  void askedForAGpuThisMachineLacksItSaysWhyAndWritesNothing() throws Exception {
    assumeFalse(
        Engine.getInstance().hasCapability("CUDA") && Engine.getInstance().getGpuCount() > 0,
        "a GPU is usable here");
    Path runs = dir.resolve("runs");
    assertEquals(2, check(runs, "gpu"));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("device gpu cannot be used: no CUDA libtorch is loaded"), e);
    assertTrue(e.contains("--libtorch DIR"), e);
    assertFalse(Files.exists(runs), "nothing written");
  }
}
