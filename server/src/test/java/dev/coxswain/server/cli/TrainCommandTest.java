package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.Main;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The headless CLI end to end, in process, on a small corpus and model. */
class TrainCommandTest {
  @TempDir Path dir;
  @RegisterExtension final CapturedOutput io = new CapturedOutput();
  private final ByteArrayOutputStream out = io.out;
  private final ByteArrayOutputStream err = io.err;

  private int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  private Path corpus() throws Exception {
    return dev.coxswain.server.TestRuns.corpus(dir);
  }

  private Path smallConfig() throws Exception {
    Path f = dir.resolve("small.yaml");
    Files.writeString(
        f,
        """
        eval_every: 10
        checkpoint_every: 10
        model: {layers: 1, embed: 32, heads: 2, context: 16}
        data: {holdout_every: 4, batch_size: 8, validation_batches: 2}
        """);
    return f;
  }

  @Test
  void trainsWritesTheRunDirectoryAndPrintsFinalLosses() throws Exception {
    Path runDir = dir.resolve("runs/r1");
    int code =
        run(
            "train",
            "--config",
            smallConfig().toString(),
            "--corpus",
            corpus().toString(),
            "--max-steps",
            "30",
            "--lr",
            "0.003",
            "--seed",
            "5",
            "--run-dir",
            runDir.toString());
    String stdout = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, stdout + err);
    assertTrue(stdout.contains("finished at step 30"), stdout);
    assertTrue(
        stdout.matches("(?s).*final train loss \\d+\\.\\d+.*validation loss \\d+\\.\\d+.*"),
        stdout);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("step     30/30"), "progress shown");
    Map<?, ?> runJson = Json.read(Files.readString(runDir.resolve("run.json")), Map.class);
    assertEquals(5, ((Map<?, ?>) runJson.get("config")).get("seed"));
    assertTrue(((Map<?, ?>) runJson.get("provenance")).get("djl").toString().startsWith("0.35"));
    List<String> lines = Files.readAllLines(runDir.resolve("events.jsonl"));
    long metrics =
        lines.stream().map(l -> parse(l)).filter(e -> e.type() == EventType.METRICS).count();
    assertEquals(30, metrics);
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(i + 1, parse(lines.get(i)).seq(), "gap-free sequence numbers");
    }
    assertTrue(Files.exists(runDir.resolve("checkpoints/main/30/meta.json")));
    Map<?, ?> summary = Json.read(stdout.lines().reduce((a, b) -> b).orElseThrow(), Map.class);
    assertTrue(
        ((Number) summary.get("validation_loss")).doubleValue()
            < ((Number) summary.get("validation_loss_start")).doubleValue());
  }

  private static Event parse(String line) {
    try {
      return Json.read(line, Event.class);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }

  @Test
  void aMissingCorpusExitsNonZeroNamingThePathAndWritesNothing() throws Exception {
    Path runDir = dir.resolve("runs/r2");
    int code =
        run(
            "train",
            "--corpus",
            dir.resolve("no-such-corpus").toString(),
            "--run-dir",
            runDir.toString());
    assertEquals(2, code);
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("no-such-corpus") && e.contains("corpus not found"), e);
    assertFalse(Files.exists(runDir));
  }

  @Test
  void badOptionsAndConfigsExitNonZeroWithTheReason() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "modle: {layers: 2}\n");
    assertEquals(2, run("train", "--config", bad.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown key 'modle'"));
    assertEquals(2, run("train", "--lr", "-1", "--corpus", corpus().toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("learning rate must be"));
    assertEquals(2, run("train", "--max-steps", "many"));
    Path floor = dir.resolve("floor.yaml");
    Files.writeString(floor, "knobs: {lr: {agent_floor: 0}}\n");
    Path runDir = dir.resolve("runs/floor");
    assertEquals(
        2,
        run(
            "train",
            "--config",
            floor.toString(),
            "--corpus",
            corpus().toString(),
            "--run-dir",
            runDir.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("knobs.lr.agent_floor: must be"));
    assertFalse(Files.exists(runDir), "nothing created");
  }

  @Test
  void refusesToOverwriteAnExistingRun() throws Exception {
    Path runDir = dir.resolve("runs/r3");
    Files.createDirectories(runDir);
    Files.writeString(runDir.resolve("events.jsonl"), "{}\n");
    int code =
        run(
            "train",
            "--config",
            smallConfig().toString(),
            "--corpus",
            corpus().toString(),
            "--max-steps",
            "2",
            "--run-dir",
            runDir.toString());
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("already holds a run"));
    assertEquals("{}\n", Files.readString(runDir.resolve("events.jsonl")));
  }

  @Test
  void serveRefusesBadOptionsBeforeStartingAnything() throws Exception {
    assertEquals(
        2,
        run(
            "serve",
            "--agent",
            "psychic",
            "--corpus",
            corpus().toString(),
            "--run-dir",
            dir.resolve("s1").toString()));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains("--agent must be auto, off, rule, openai or replay"));
    assertEquals(
        2,
        run(
            "serve",
            "--notify-url",
            "ftp://example/x",
            "--corpus",
            corpus().toString(),
            "--run-dir",
            dir.resolve("s2").toString()));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("--notify-url must be an http(s) URL"));
    assertEquals(
        2,
        run(
            "serve",
            "--corpus",
            dir.resolve("missing").toString(),
            "--run-dir",
            dir.resolve("s3").toString()));
    assertFalse(
        Files.exists(dir.resolve("s1"))
            || Files.exists(dir.resolve("s2"))
            || Files.exists(dir.resolve("s3")));
    assertEquals(2, run("resume", dir.resolve("no-run-here").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("no run at"));
  }

  @Test
  void compatWithPrivateOrWithoutARunIsRefusedBeforeAnythingIsCreated() throws Exception {
    Path runDir = dir.resolve("runs/c1");
    int code =
        run(
            "serve",
            "--compat",
            "--private",
            "--port",
            "0",
            "--corpus",
            corpus().toString(),
            "--run-dir",
            runDir.toString());
    assertEquals(2, code);
    assertTrue(err.toString().contains("cannot be combined with --private"), err.toString());
    assertFalse(Files.exists(runDir), "nothing is created");
    err.reset();
    code = run("server", "--compat", "--port", "0", "--runs", dir.resolve("cp").toString());
    assertEquals(2, code);
    assertTrue(err.toString().contains("--compat RUN"), err.toString());
    assertFalse(Files.exists(dir.resolve("cp")), "nothing is created");
  }
}
