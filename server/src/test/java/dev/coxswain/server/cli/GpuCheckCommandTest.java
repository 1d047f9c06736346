package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.engine.Engine;
import dev.coxswain.server.Main;
import dev.coxswain.server.TestRuns;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gpu-check}, the entry point of scripts/gpu-check.sh, run on this CPU with {@code --device
 * cpu} and tiny models: every proof runs and reports; asked for a GPU here, it stops with the
 * reason and writes nothing.
 */
class GpuCheckCommandTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

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
    oldOut.println(o);
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
