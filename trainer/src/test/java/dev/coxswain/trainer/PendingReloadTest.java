package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.data.MixtureSource;
import dev.coxswain.trainer.model.CharGpt;
import dev.coxswain.trainer.model.GptConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload waiting for its epoch's end is part of the checkpoint: a run resumed from it swaps the
 * data in at the same step; one resumed from a checkpoint without one reloads nothing; one whose
 * files changed since is refused, naming the change.
 */
class PendingReloadTest {
  private static final int BATCH = 8;
  private static final int CONTEXT = 16;

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();
  private Path data;
  private long epochEnd;

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  /** Two sources, a and b, each three files; then a run on a alone that asks for b at step 3. */
  @BeforeEach
  void firstRun() throws Exception {
    data = dir.resolve("data");
    for (String src : List.of("a", "b")) {
      Files.createDirectories(data.resolve(src));
      for (int f = 0; f < 3; f++) {
        StringBuilder sb = new StringBuilder();
        java.util.Random r = new java.util.Random(f * 31 + src.charAt(0));
        for (int i = 0; i < 3000; i++) {
          sb.append((char) ((src.equals("a") ? 'a' : 'n') + r.nextInt(13)));
        }
        Files.writeString(data.resolve(src).resolve("doc" + f + ".txt"), sb.toString());
      }
    }
    MixtureSource source = mixture();
    epochEnd = source.epochEnd(4);
    assertTrue(epochEnd > 4, "the epoch does not end at once: " + epochEnd);
    Recorder events = new Recorder();
    try (InteractiveTrainer t = trainer(source, events, null)) {
      events.at(2, e -> t.submit(cmd("save_checkpoint", Map.of("tag", "before"))));
      events.at(3, e -> t.submit(cmd("pause", Map.of())));
      Future<RunOutcome> run = pool.submit(t::run);
      events.await(Recorder.status("paused"), 60);
      CommandResult r =
          send(t, "reload_data", Map.of("sources", List.of(Map.of("name", "b", "path", "b"))));
      assertEquals(CommandStatus.APPLIED, r.status(), r.reason());
      assertEquals(epochEnd + 1, ((Number) r.detail().get("from_step")).longValue());
      assertEquals(CommandStatus.APPLIED, send(t, "save_checkpoint", Map.of()).status());
      send(t, "stop", Map.of());
      run.get(60, TimeUnit.SECONDS);
    }
  }

  private MixtureSource mixture() throws IOException {
    return new MixtureSource(data, Map.of("a", "a"), Map.of(), BATCH, CONTEXT, 5, 3, 1);
  }

  private InteractiveTrainer trainer(MixtureSource source, Recorder events, String resumeFrom)
      throws Exception {
    Workload w =
        Workload.builder()
            .optName("mix")
            .setBlock(new CharGpt(new GptConfig(source.vocabSize(), CONTEXT, 1, 32, 2)))
            .setInputShape(new Shape(BATCH, CONTEXT))
            .setLoss(Loss.softmaxCrossEntropyLoss())
            .setData(source)
            .build();
    InteractiveTrainer.Builder b =
        InteractiveTrainer.builder(w, Fixtures.config(epochEnd + 2).build())
            .optRunDir(dir.resolve("run"))
            .optSink(events);
    if (resumeFrom != null) {
      b.optResumeFrom(resumeFrom);
    }
    return b.build();
  }

  private static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  private static CommandResult send(InteractiveTrainer t, String type, Map<String, Object> args)
      throws Exception {
    return t.submit(cmd(type, args)).get(60, TimeUnit.SECONDS);
  }

  private static List<Event> reloads(Recorder r) {
    return r.of(EventType.DATA).stream()
        .filter(e -> "reload".equals(e.payload().get("change")))
        .toList();
  }

  @Test
  void aResumeBeforeTheEpochsEndSwapsThePendingReloadInAtTheSameStep() throws Exception {
    MixtureSource fresh = mixture();
    Recorder events = new Recorder();
    try (InteractiveTrainer t = trainer(fresh, events, "main/3")) {
      assertEquals("finished", t.run().status());
    }
    List<Event> reloads = reloads(events);
    assertEquals(1, reloads.size(), reloads.toString());
    Map<String, Object> p = reloads.get(0).payload();
    assertEquals(epochEnd + 1, ((Number) p.get("from_step")).longValue());
    assertEquals(List.of("b"), p.get("reloaded"));
    assertEquals(List.of("a", "b"), List.copyOf(fresh.weights().keySet()));
  }

  @Test
  void aResumeFromACheckpointWithoutAPendingReloadReloadsNothing() throws Exception {
    MixtureSource fresh = mixture();
    Recorder events = new Recorder();
    try (InteractiveTrainer t = trainer(fresh, events, "main/2")) {
      assertEquals("finished", t.run().status());
    }
    assertEquals(List.of(), reloads(events), "past the epoch's end, and nothing reloaded");
    assertEquals(List.of("a"), List.copyOf(fresh.weights().keySet()));
  }

  @Test
  void aPendingReloadWhoseFilesChangedSinceIsRefusedNamingTheChange() throws Exception {
    Files.writeString(data.resolve("b/doc0.txt"), "nopqrstuvwxyz".repeat(300));
    IOException e =
        assertThrows(IOException.class, () -> trainer(mixture(), new Recorder(), "main/3"));
    assertTrue(e.getMessage().contains("changed since it was read"), e.getMessage());
  }
}
