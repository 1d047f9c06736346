package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.engine.Engine;
import dev.coxswain.protocol.Json;
import dev.coxswain.report.MarkdownReport;
import dev.coxswain.report.RunReport;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.Main;
import dev.coxswain.server.TestRuns;
import dev.coxswain.trainer.device.Libtorch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --device} and {@code device:} on this CPU-only machine: cpu and auto train and are
 * recorded; a GPU, a device that does not exist and a bad value stop with exit 2, nothing written.
 */
class DeviceOptionTest {
  @TempDir Path dir;
  @RegisterExtension final CapturedOutput io = new CapturedOutput();
  private final ByteArrayOutputStream out = io.out;
  private final ByteArrayOutputStream err = io.err;

  private int train(Path runDir, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--config",
                TestRuns.config(dir, 3, 0).toString(),
                "--max-steps",
                "3",
                "--run-dir",
                runDir.toString()));
    args.addAll(List.of(more));
    return new CommandLine(new Main()).execute(args.toArray(String[]::new));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static boolean gpuUsable() {
    return Engine.getInstance().hasCapability("CUDA") && Engine.getInstance().getGpuCount() > 0;
  }

  @Test
  @SuppressWarnings("unchecked")
  void cpuTrainsThereAndRunJsonSaysSoWithTheLibtorchDjlLoaded() throws Exception {
    Path runDir = dir.resolve("runs/cpu");
    assertEquals(0, train(runDir, "--device", "cpu"), err());
    Map<String, Object> device =
        (Map<String, Object>)
            Json.read(Files.readString(runDir.resolve("run.json")), Map.class).get("device");
    assertEquals("cpu", device.get("name"));
    assertEquals("cpu", device.get("requested"));
    assertEquals("asked for", device.get("why"));
    Map<String, Object> lt = (Map<String, Object>) device.get("libtorch");
    assertEquals(Libtorch.loaded().path(), lt.get("path"));
    assertTrue(Files.isRegularFile(Path.of((String) lt.get("path"), "libtorch.so")), lt.toString());
    assertTrue(((String) lt.get("version")).startsWith("2.7.1"), lt.toString());
    assertTrue(err().contains("coxswain: device cpu [asked for], libtorch 2.7.1"), err());
    // the morning report's facts name it too
    String report = MarkdownReport.render(RunReport.read(runDir, null, null), null);
    assertTrue(report.contains("device") && report.contains("cpu, asked for, libtorch"), report);

    if (!gpuUsable()) {
      // resuming it on a GPU this machine lacks: refused before the log is touched
      Path log = runDir.resolve("events.jsonl");
      String before = Files.exists(log) ? Files.readString(log) : null;
      err.reset();
      int code =
          new CommandLine(new Main()).execute("resume", runDir.toString(), "--device", "gpu");
      assertEquals(2, code, err());
      assertTrue(err().contains("device gpu cannot be used: no CUDA libtorch"), err());
      assertEquals(before, Files.exists(log) ? Files.readString(log) : null, "log unchanged");
    }
  }

  @Test
  void autoSaysWhichDeviceItChoseAndWhy() throws Exception {
    assumeFalse(gpuUsable(), "a GPU is usable here: auto takes it");
    Path runDir = dir.resolve("runs/auto");
    assertEquals(0, train(runDir), err());
    assertTrue(
        err().contains("coxswain: device cpu [auto: the loaded libtorch has no CUDA]"), err());
    assertTrue(Files.readString(runDir.resolve("run.json")).contains("\"requested\" : \"auto\""));
  }

  @Test
  void aGpuOnThisMachineStopsWithTheReasonAndTheFixAndWritesNothing() throws Exception {
    assumeFalse(gpuUsable(), "a GPU is usable here");
    for (String gpu : List.of("gpu", "gpu:0", "gpu:7")) {
      err.reset();
      Path runDir = dir.resolve("runs/" + gpu.replace(':', '-'));
      assertEquals(2, train(runDir, "--device", gpu), err());
      String e = err();
      assertTrue(e.contains("device " + gpu + " cannot be used: no CUDA libtorch is loaded"), e);
      assertTrue(e.contains("COXSWAIN_LIBTORCH=DIR or --libtorch DIR"), e);
      assertFalse(Files.exists(runDir), "nothing written for " + gpu);
    }
  }

  @Test
  void aDeviceThatIsNoneOfTheFormsIsNamedOnTheCommandLineAndInTheFile() throws Exception {
    Path runDir = dir.resolve("runs/tpu");
    assertEquals(2, train(runDir, "--device", "tpu"), err());
    assertTrue(err().contains("got 'tpu'"), err());
    assertFalse(Files.exists(runDir));

    err.reset();
    Path yaml = dir.resolve("tpu.yaml");
    Files.writeString(yaml, "device: tpu\n");
    int code =
        new CommandLine(new Main())
            .execute("train", "--config", yaml.toString(), "--run-dir", runDir.toString());
    assertEquals(2, code, err());
    assertTrue(err().contains(yaml + ": device must be auto, cpu, gpu or gpu:N"), err());
    assertTrue(err().contains("got 'tpu'"), err());
    assertFalse(Files.exists(runDir));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theApiStateShowsTheDevice() throws Exception {
    CoxswainServer server = TestRuns.start(dir, 1_000_000);
    try {
      TestRuns.Http http = new TestRuns.Http(server.port());
      Map<String, Object> state = http.state("t1");
      Map<String, Object> device = (Map<String, Object>) state.get("device");
      assertEquals(gpuUsable() ? "gpu:0" : "cpu", device.get("name"), state.toString());
      assertEquals("auto", device.get("requested"));
      assertEquals(
          Libtorch.loaded().path(), ((Map<String, Object>) device.get("libtorch")).get("path"));
    } finally {
      server.shutdown("test over");
    }
  }
}
