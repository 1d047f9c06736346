package dev.coxswain.examples.fashionmnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.Coxswain;
import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.workload.FashionMnistData;
import dev.coxswain.trainer.workload.FashionMnistWorkload;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example in its own JVM, joined by the library facade to a control plane in another: the run
 * is listed and steered at the control plane, whose rule agent watches it and whose replica holds
 * the accuracy of every evaluation.
 */
class FashionMnistJoinTest {
  private static final Pattern CONTROL =
      Pattern.compile(
          "control plane on http://127\\.0\\.0\\.1:(\\d+)/, cluster on 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern ACCURACY =
      Pattern.compile("validation accuracy (\\d\\.\\d+) \\(([\\d,]+) images\\)");

  @TempDir Path dir;
  private final List<ServerProcess> procs = new ArrayList<>();

  @AfterEach
  void killAll() throws Exception {
    for (ServerProcess p : procs) {
      p.close();
    }
  }

  private static Map<String, String> env() {
    return Map.of(
        "COXSWAIN_TOKEN",
        TestRuns.TOKEN,
        "JAVA_TOOL_OPTIONS",
        "-Dai.djl.pytorch.num_threads=1 -Dvertx.disableDnsResolver=true");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> awaitRun(
      TestRuns.Http http, String id, Predicate<Map<String, Object>> p, long seconds)
      throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Object last = null;
    while (System.nanoTime() < deadline) {
      for (Object o : (List<Object>) http.json(http.get("/api/runs")).get("runs")) {
        Map<String, Object> r = (Map<String, Object>) o;
        if (id.equals(r.get("id"))) {
          last = r;
          if (p.test(r)) {
            return r;
          }
        }
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
    }
    throw new AssertionError("run " + id + " never matched within " + seconds + " s: " + last);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theExampleJoinsAControlPlaneThatListsSteersAndWatchesIt() throws Exception {
    ServerProcess control =
        ServerProcess.start(
            dir.resolve("logs"),
            env(),
            "server",
            "--port",
            "0",
            "--cluster-port",
            Integer.toString(TestRuns.freePort()),
            "--runs",
            dir.resolve("control").toString(),
            "--heartbeat-ms",
            "500");
    procs.add(control);
    Matcher cp = control.awaitOutput(CONTROL, 120);
    TestRuns.Http http = new TestRuns.Http(Integer.parseInt(cp.group(1)));
    Path credentials = dir.resolve("control/cluster-credentials");
    ServerProcess example =
        ServerProcess.startMain(
            dir.resolve("logs"),
            env(),
            FashionMnistExample.class.getName(),
            "--join",
            "127.0.0.1:" + cp.group(2),
            "--cluster-credentials",
            credentials.toString(),
            "--run-id",
            "fm-joined",
            "--runs",
            dir.resolve("trainer").toString(),
            "--steps",
            "240",
            "--train-images",
            "3000",
            "--val-images",
            "500",
            "--eval-every",
            "40",
            "--agent",
            "rule",
            "--agent-every",
            "40");
    procs.add(example);
    Map<String, Object> listed =
        awaitRun(
            http,
            "fm-joined",
            r -> "running".equals(r.get("status")) && ((Number) r.get("step")).longValue() >= 10,
            180);
    assertEquals("rule", listed.get("agent"), listed.toString());
    // a person steers it at the control plane; the trainer in the other JVM applies it
    HttpResponse<String> r =
        http.command("fm-joined", "{\"type\":\"set_knobs\",\"args\":{\"weight_decay\":0.05}}");
    assertEquals(202, r.statusCode(), r.body());
    http.awaitKnob("fm-joined", "weight_decay", 0.05, 120);
    Matcher done = example.awaitOutput(ACCURACY, 600);
    double accuracy = Double.parseDouble(done.group(1));
    assertEquals(0, example.process().waitFor(), "the example exits when its joined run ends");
    assertTrue(accuracy > 0.5, "validation accuracy " + accuracy);
    awaitRun(http, "fm-joined", s -> "finished".equals(s.get("status")), 60);
    // the control plane's replica holds every evaluation with its accuracy, the last one the
    // example printed
    List<Double> seen = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("control/fm-joined/replica.jsonl"))) {
      Event e = Json.read(line, Event.class);
      if (e.type().wire().equals("eval")) {
        seen.add(
            ((Number) ((Map<String, Object>) e.payload().get("metrics")).get("accuracy"))
                .doubleValue());
      }
    }
    assertEquals(7, seen.size(), "evaluations at steps 0, 40, ..., 240: " + seen);
    assertEquals(accuracy, seen.get(seen.size() - 1), 5e-5);
    List<Object> decisions =
        (List<Object>) http.json(http.get("/api/runs/fm-joined/decisions")).get("decisions");
    assertTrue(!decisions.isEmpty(), "the control plane's rule agent decided about the run");
    System.out.printf(
        "fashion-mnist joined to a control plane: validation accuracy %.4f after 240 steps (3,000"
            + " training images), %d agent decisions at the control plane%n",
        accuracy, decisions.size());
  }

  @Test
  void aJoinThatCannotBeMadeSaysWhy() throws Exception {
    try (NDManager arrays = NDManager.newBaseManager()) {
      FashionMnistData train = FashionMnistData.train(FashionMnistExampleTest.DATA, 256);
      Coxswain.Builder b =
          Coxswain.builder(
                  FashionMnistWorkload.create(arrays, train, train, 64, 1),
                  TrainerConfig.builder().optRunId("nowhere").optMaxSteps(10).build())
              .optRunsRoot(dir.resolve("runs"));
      IllegalArgumentException address =
          assertThrows(
              IllegalArgumentException.class, () -> b.join("no-port-here", dir.resolve("keys")));
      assertTrue(address.getMessage().contains("no-port-here"), address.getMessage());
      IllegalArgumentException keys =
          assertThrows(
              IllegalArgumentException.class, () -> b.join("127.0.0.1:5701", dir.resolve("keys")));
      assertTrue(keys.getMessage().contains("keys"), keys.getMessage());
      assertTrue(
          !Files.exists(dir.resolve("runs/nowhere")), "nothing is recorded for a failed join");
    }
  }
}
