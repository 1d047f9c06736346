package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.MixableSource;
import dev.coxswain.trainer.data.MixtureSource;
import dev.coxswain.trainer.model.CharGpt;
import dev.coxswain.trainer.model.GptConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data sources and their mixture, with real training: composition, replay, reload, refusals. */
class MixtureTest {
  private static final int BATCH = 8;
  private static final int CONTEXT = 16;
  @TempDir Path dir;

  /** Source "a" writes only in a-m, source "b" only in n-z: a window tells where it came from. */
  private Path data() throws IOException {
    Path d = dir.resolve("data");
    for (String src : List.of("a", "b")) {
      Files.createDirectories(d.resolve(src));
      for (int f = 0; f < 3; f++) {
        StringBuilder sb = new StringBuilder();
        java.util.Random r = new java.util.Random(f * 31 + src.charAt(0));
        char base = src.equals("a") ? 'a' : 'n';
        for (int i = 0; i < 3000; i++) {
          sb.append((char) (base + r.nextInt(13)));
          if (i % 7 == 6) {
            sb.append(base);
          }
        }
        Files.writeString(d.resolve(src).resolve("doc" + f + ".txt"), sb.toString());
      }
    }
    return d;
  }

  /** The mixture, recording which source each element of each training batch came from. */
  private static final class Recording implements MixableSource {
    final MixtureSource inner;
    final Map<Long, List<String>> seen = new ConcurrentHashMap<>();
    private final int splitAt; // token ids below it are a-m

    Recording(MixtureSource inner, int splitAt) {
      this.inner = inner;
      this.splitAt = splitAt;
    }

    @Override
    public Batch trainBatch(NDManager manager, long step) {
      Batch b = inner.trainBatch(manager, step);
      long[] x = b.data().get(0).toLongArray();
      List<String> from = new ArrayList<>();
      for (int e = 0; e < BATCH; e++) {
        int low = 0;
        int high = 0;
        for (int t = 0; t < CONTEXT; t++) {
          long id = x[e * CONTEXT + t];
          low += id >= splitAt - 13 && id < splitAt ? 1 : 0; // a-m
          high += id >= splitAt ? 1 : 0; // n-z
        }
        from.add(high == 0 ? "a" : low == 0 ? "b" : "mixed"); // newlines and spaces say nothing
      }
      seen.put(step, from);
      return b;
    }

    // the rest is the mixture's own
    public int validationBatches() {
      return inner.validationBatches();
    }

    public Batch validationBatch(NDManager m, int i) {
      return inner.validationBatch(m, i);
    }

    public Map<String, Object> describe() {
      return inner.describe();
    }

    public Map<String, Double> weights() {
      return inner.weights();
    }

    public String checkWeights(Map<String, Double> w) {
      return inner.checkWeights(w);
    }

    public void setWeights(Map<String, Double> w) {
      inner.setWeights(w);
    }

    public Reload prepare(List<Action.DataSource> s) throws IOException {
      return inner.prepare(s);
    }

    public Map<String, Object> apply(Reload r) {
      return inner.apply(r);
    }

    public long epochEnd(long step) {
      return inner.epochEnd(step);
    }

    public String validationSource(int i) {
      return inner.validationSource(i);
    }

    public void restore(Map<String, Object> d) throws IOException {
      inner.restore(d);
    }
  }

  /** The two sources in this order (sampling follows the sources' order). */
  private static final Map<String, String> AB = new LinkedHashMap<>(Map.of("a", "a"));

  static {
    AB.put("b", "b");
  }

  private static MixtureSource mixture(
      Path data, Map<String, String> sources, Map<String, Double> w) throws IOException {
    return new MixtureSource(data, sources, w, BATCH, CONTEXT, 5, 3, 1);
  }

  private static Workload workload(MixableSource source, int vocab) {
    return Workload.builder()
        .optName("mix")
        .setBlock(new CharGpt(new GptConfig(vocab, CONTEXT, 1, 32, 2)))
        .setInputShape(new Shape(BATCH, CONTEXT))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(source)
        .build();
  }

  private static CommandResult send(InteractiveTrainer t, String type, Map<String, Object> args)
      throws Exception {
    return t.submit(Command.of(type, Source.HUMAN, args)).get(60, TimeUnit.SECONDS);
  }

  @Test
  void aMixtureChangeAltersTheSampledCompositionFromTheNextStepAndNotBefore() throws Exception {
    Path data = data();
    MixtureSource inner = mixture(data, AB, Map.of("a", 1.0, "b", 1.0));
    // the vocabulary is sorted: space (newlines between documents read as one), a-m, n-z
    Recording rec = new Recording(inner, 1 + 13);
    Recorder events = new Recorder();
    List<CommandResult> results = new ArrayList<>();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(workload(rec, inner.vocabSize()), Fixtures.config(240).build())
            .optRunDir(dir.resolve("run"))
            .optSink(events)
            .build()) {
      events.at(
          40,
          e ->
              t.submit(
                      Command.of(
                          "set_data_mixture",
                          Source.HUMAN,
                          Map.of("weights", Map.of("a", 0.1, "b", 0.9))))
                  .thenAccept(results::add));
      t.run();
    }
    assertEquals(CommandStatus.APPLIED, results.get(0).status());
    assertEquals(41, results.get(0).step(), "from the next step");
    MixtureSource before = mixture(data, AB, Map.of("a", 1.0, "b", 1.0));
    MixtureSource after = mixture(data, AB, Map.of("a", 0.1, "b", 0.9));
    int[] early = new int[2];
    int[] late = new int[2];
    for (long s = 1; s <= 240; s++) {
      List<String> got = rec.seen.get(s);
      for (int e = 0; e < BATCH; e++) {
        String expected = (s <= 40 ? before : after).sourceOf(s, e);
        assertEquals(expected, got.get(e), "step " + s + " element " + e);
        int[] count = s <= 40 ? early : late;
        count[got.get(e).equals("a") ? 0 : 1]++;
      }
    }
    assertWithinBinomial(early[0], early[0] + early[1], 0.5);
    assertWithinBinomial(late[0], late[0] + late[1], 0.1);
    Event change = changes(events).get(0);
    assertEquals(41L, ((Number) change.payload().get("from_step")).longValue());
    // every evaluation reports each source's validation loss
    Event eval = events.of(EventType.EVAL).get(events.of(EventType.EVAL).size() - 1);
    Map<?, ?> perSource = (Map<?, ?>) eval.payload().get("sources");
    assertEquals(List.of("a", "b"), List.copyOf(perSource.keySet()));
  }

  private static void assertWithinBinomial(int hits, int n, double p) {
    double sd = Math.sqrt(p * (1 - p) / n);
    double share = (double) hits / n;
    assertTrue(
        Math.abs(share - p) <= 4.5 * sd,
        String.format("share %.4f of %d, expected %.2f +- %.4f (4.5 sd)", share, n, p, 4.5 * sd));
  }

  @Test
  void aCheckpointTakenAfterMixtureChangesReplaysTheSameLossesInAFreshTrainer() throws Exception {
    Path data = data();
    Map<String, String> src = AB;
    MixtureSource first = mixture(data, src, Map.of("a", 1.0, "b", 1.0));
    Recorder one = new Recorder();
    TrainerConfig cfg = Fixtures.config(60).optCheckpointEvery(30).build();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(workload(first, first.vocabSize()), cfg)
            .optRunDir(dir.resolve("run"))
            .optSink(one)
            .build()) {
      one.at(
          10,
          e ->
              t.submit(
                  Command.of(
                      "set_data_mixture", Source.HUMAN, Map.of("weights", Map.of("a", 0.2)))));
      one.at(
          20,
          e ->
              t.submit(
                  Command.of(
                      "set_data_mixture",
                      Source.HUMAN,
                      Map.of("weights", Map.of("a", 3.0, "b", 0.5)))));
      t.run();
    }
    // a fresh trainer, with the mixture at its start weights: the checkpoint puts them back
    MixtureSource fresh = mixture(data, src, Map.of("a", 1.0, "b", 1.0));
    Recorder two = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(workload(fresh, fresh.vocabSize()), cfg)
            .optRunDir(dir.resolve("run"))
            .optSink(two)
            .optResumeFrom("main/30")
            .build()) {
      t.run();
    }
    assertEquals(Map.of("a", 3.0, "b", 0.5), fresh.weights());
    Map<Long, Double> a = losses(one, 31);
    Map<Long, Double> b = losses(two, 31);
    assertEquals(30, b.size());
    for (Map.Entry<Long, Double> e : b.entrySet()) {
      assertEquals(a.get(e.getKey()), e.getValue(), 1e-5, "step " + e.getKey());
    }
  }

  /** The data events of changes (not the one the run starts with). */
  private static List<Event> changes(Recorder r) {
    return r.of(EventType.DATA).stream()
        .filter(e -> !"start".equals(e.payload().get("change")))
        .toList();
  }

  private static String sha256(Path f) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  private static Map<Long, Double> losses(Recorder r, long from) {
    Map<Long, Double> out = new LinkedHashMap<>();
    for (Event e : r.of(EventType.METRICS)) {
      if (e.step() >= from) {
        out.put(e.step(), ((Number) e.payload().get("loss")).doubleValue());
      }
    }
    return out;
  }

  @Test
  void aReloadPicksUpANewSourceAtTheEpochBoundaryAndLaterCheckpointsRecordIt() throws Exception {
    Path data = data();
    MixtureSource inner = mixture(data, Map.of("a", "a"), Map.of());
    Recorder events = new Recorder();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                workload(inner, inner.vocabSize()), Fixtures.config(100_000).build())
            .optRunDir(dir.resolve("run"))
            .optSink(events)
            .build()) {
      events.at(3, e -> t.submit(Command.of("pause", Source.HUMAN, Map.of())));
      java.util.concurrent.Future<RunOutcome> run = pool.submit(t::run);
      events.await(Recorder.status("paused"), 60);
      long epochEnd = inner.epochEnd(4);
      assertTrue(epochEnd > 4, "the epoch does not end at once: " + epochEnd);
      CommandResult r =
          send(t, "reload_data", Map.of("sources", List.of(Map.of("name", "b", "path", "b"))));
      assertEquals(CommandStatus.APPLIED, r.status(), String.valueOf(r.reason()));
      assertEquals(epochEnd + 1, ((Number) r.detail().get("from_step")).longValue());
      assertEquals(List.of("a"), List.copyOf(inner.weights().keySet()), "not yet");
      events.at(epochEnd + 2, e -> t.submit(Command.of("pause", Source.HUMAN, Map.of())));
      send(t, "resume", Map.of());
      events.await(e -> Recorder.status("paused").test(e) && e.step() > epochEnd, 120);
      Event loaded = changes(events).get(0);
      assertEquals(epochEnd + 1, ((Number) loaded.payload().get("from_step")).longValue());
      assertEquals(List.of("b"), loaded.payload().get("reloaded"));
      assertEquals(0.0, inner.weights().get("b"), "a new source waits for its weight");
      assertEquals(
          CommandStatus.APPLIED,
          send(t, "set_data_mixture", Map.of("weights", Map.of("b", 1.0))).status());
      assertEquals(
          CommandStatus.APPLIED, send(t, "save_checkpoint", Map.of("tag", "mixed")).status());
      CheckpointMeta m =
          t.checkpoints().stream().filter(c -> "mixed".equals(c.tag())).findFirst().orElseThrow();
      String recorded = dev.coxswain.protocol.Json.write(m.data());
      assertTrue(recorded.contains("\"name\":\"b\""), recorded);
      assertTrue(
          recorded.contains(sha256(data.resolve("b/doc0.txt"))),
          "the checkpoint names each file with its hash: " + recorded);
      send(t, "stop", Map.of());
      run.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badDataCommandsAreRefusedWithTheirReasonAndNothingChanges() throws Exception {
    Path data = data();
    Files.writeString(dir.resolve("outside.txt"), "x".repeat(500));
    Files.createSymbolicLink(data.resolve("escape"), dir);
    Files.createDirectories(data.resolve("empty"));
    MixtureSource inner = mixture(data, AB, Map.of());
    Recorder events = new Recorder();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                workload(inner, inner.vocabSize()), Fixtures.config(100_000).build())
            .optRunDir(dir.resolve("run"))
            .optSink(events)
            .build()) {
      events.at(2, e -> t.submit(Command.of("pause", Source.HUMAN, Map.of())));
      java.util.concurrent.Future<RunOutcome> run = pool.submit(t::run);
      events.await(Recorder.status("paused"), 60);
      Map<String, Double> before = inner.weights();
      String describedBefore = dev.coxswain.protocol.Json.write(inner.describe());
      record Bad(String type, Map<String, Object> args, String words) {}
      for (Bad b :
          List.of(
              new Bad(
                  "set_data_mixture",
                  Map.of("weights", Map.of("c", 1.0)),
                  "unknown data source 'c'"),
              new Bad(
                  "set_data_mixture", Map.of("weights", Map.of("a", -1.0)), "must not be negative"),
              new Bad(
                  "set_data_mixture", Map.of("weights", Map.of("a", 0.0, "b", 0.0)), "all zero"),
              new Bad("set_data_mixture", Map.of("weights", Map.of("a", "lots")), "finite number"),
              new Bad(
                  "reload_data",
                  Map.of("sources", List.of(Map.of("name", "c", "path", "../outside.txt"))),
                  "escapes the data directory"),
              new Bad(
                  "reload_data",
                  Map.of("sources", List.of(Map.of("name", "c", "path", "/etc/hostname"))),
                  "escapes the data directory"),
              new Bad(
                  "reload_data",
                  Map.of("sources", List.of(Map.of("name", "c", "path", "escape/outside.txt"))),
                  "escapes the data directory"),
              new Bad("reload_data", Map.of("sources", List.of("c")), "a new one needs a path"),
              new Bad(
                  "reload_data",
                  Map.of("sources", List.of(Map.of("name", "c", "path", "empty"))),
                  "names no text files"),
              new Bad("reload_data", Map.of("sources", "a"), "must be a list"))) {
        CommandResult r = send(t, b.type(), b.args());
        assertEquals(CommandStatus.REJECTED, r.status(), b.toString());
        assertTrue(r.reason().contains(b.words()), r.reason() + " should say " + b.words());
      }
      assertEquals(before, inner.weights(), "nothing changed");
      assertEquals(describedBefore, dev.coxswain.protocol.Json.write(inner.describe()));
      assertTrue(changes(events).isEmpty(), "no data event but the start's");
      assertEquals(1, events.of(EventType.DATA).size());
      send(t, "stop", Map.of());
      run.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    // a workload without named sources refuses both commands
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(3).build())
            .optRunDir(dir.resolve("plain"))
            .build()) {
      var f =
          t.submit(
              Command.of("set_data_mixture", Source.HUMAN, Map.of("weights", Map.of("a", 1.0))));
      t.run();
      CommandResult r = f.get(30, TimeUnit.SECONDS);
      assertEquals(CommandStatus.REJECTED, r.status());
      assertTrue(r.reason().contains("no named sources"), r.reason());
    }
  }
}
