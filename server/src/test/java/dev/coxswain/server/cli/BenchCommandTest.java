package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.Main;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code bench --models mlp}: the small model's figures, wall time and CPU time per step. */
class BenchCommandTest {
  @RegisterExtension final CapturedOutput io = new CapturedOutput();
  private final ByteArrayOutputStream out = io.out;
  private final ByteArrayOutputStream err = io.err;

  @Test
  void theMlpIsMeasuredAndCoxswainsOwnCpuTimePerStepIsPrinted() {
    int code =
        new CommandLine(new Main())
            .execute(
                "bench",
                "--models",
                "mlp",
                "--mlp-steps",
                "30",
                "--rounds",
                "3",
                "--warmup",
                "0",
                "--no-hosted");
    String o = out.toString(StandardCharsets.UTF_8);
    io.terminal().println(o);
    assertEquals(0, code, o + err.toString(StandardCharsets.UTF_8));
    assertTrue(o.contains("benchmark: 2-layer MLP 784-128-10"), o);
    assertTrue(o.contains("throughput coxswain / plain + clipping"), o);
    assertTrue(o.contains("CPU ms per measured step"), o);
    assertTrue(o.matches("(?s).*coxswain +training thread [0-9.]+, event writer [0-9.]+.*"), o);
    assertTrue(o.contains("coxswain's own CPU per step: training thread"), o);
    assertTrue(o.contains("3 arms side by side") && !o.contains("hosted (serve)"), "--no-hosted");
  }

  @Test
  void aModelItDoesNotKnowIsNamed() {
    assertEquals(2, new CommandLine(new Main()).execute("bench", "--models", "resnet"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("got 'resnet'"));
  }

  @Test
  void aReadEveryBelowOneIsRefusedBeforeAnythingRuns() {
    assertEquals(2, new CommandLine(new Main()).execute("bench", "--read-every", "0"));
  }
}
