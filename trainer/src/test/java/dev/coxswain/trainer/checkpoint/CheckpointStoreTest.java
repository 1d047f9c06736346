package dev.coxswain.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  @TempDir Path dir;

  private static CheckpointMeta meta(String branch, long step, String tag, boolean periodic) {
    return new CheckpointMeta(
        branch + "/" + step,
        branch,
        step,
        tag,
        periodic,
        Map.of("lr", 0.1),
        step,
        7,
        step + 1,
        Map.of(),
        1.5,
        null,
        Instant.now(),
        Map.of("block0.drop", Map.of("p", 0.25)));
  }

  private static Map<String, CheckpointStore.Part> parts(byte value) {
    Map<String, CheckpointStore.Part> p = new LinkedHashMap<>();
    p.put("params.bin", out -> out.write(new byte[] {value, value, value}));
    return p;
  }

  @Test
  void savesListsResolvesAndVerifies() throws IOException {
    CheckpointStore s = new CheckpointStore(dir);
    s.save(meta("main", 10, null, true), parts((byte) 1));
    s.save(meta("main", 20, "best", false), parts((byte) 2));
    assertEquals(List.of("main/10", "main/20"), s.list().stream().map(CheckpointMeta::id).toList());
    CheckpointMeta best = s.resolve("best").orElseThrow();
    assertEquals(20, best.step());
    assertEquals(0.25, best.modules().get("block0.drop").get("p"), "settable values round-trip");
    assertEquals("main/20", s.resolve("latest").orElseThrow().id());
    assertTrue(s.resolve("nope").isEmpty());
    try (InputStream in = s.open(best, "params.bin")) {
      assertArrayEquals(new byte[] {2, 2, 2}, in.readAllBytes());
    }
    try (Stream<Path> files = Files.list(dir.resolve("main"))) {
      assertFalse(
          files.anyMatch(p -> p.getFileName().toString().startsWith(".tmp")),
          "no temporary left behind");
    }
  }

  @Test
  void detectsCorruptionAndMissingParts() throws IOException {
    CheckpointStore s = new CheckpointStore(dir);
    CheckpointMeta m = s.save(meta("main", 5, null, false), parts((byte) 3));
    Files.write(dir.resolve("main/5/params.bin"), new byte[] {3, 3, 4});
    IOException e = assertThrows(IOException.class, () -> s.open(m, "params.bin"));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    Files.delete(dir.resolve("main/5/params.bin"));
    assertThrows(NoSuchFileException.class, () -> s.open(m, "params.bin"));
    assertThrows(IOException.class, () -> s.open(m, "optimizer.bin"));
  }

  @Test
  void retentionPrunesOnlyOldPeriodicCheckpointsOfThatBranch() throws IOException {
    CheckpointStore s = new CheckpointStore(dir);
    for (long step = 10; step <= 50; step += 10) {
      s.save(meta("main", step, null, step != 20), parts((byte) step));
    }
    s.save(meta("b1", 30, null, true), parts((byte) 9));
    assertEquals(List.of("main/10", "main/30"), s.prune("main", 2));
    assertEquals(
        List.of("b1/30", "main/20", "main/40", "main/50"),
        s.list().stream().map(CheckpointMeta::id).toList());
  }

  @Test
  void aSecondSaveAtTheSameStepKeepsFilesAndAddsTheTag() throws IOException {
    CheckpointStore s = new CheckpointStore(dir);
    s.save(meta("main", 10, null, true), parts((byte) 1));
    CheckpointMeta again = s.save(meta("main", 10, "keep-me", false), parts((byte) 2));
    assertEquals("keep-me", again.tag());
    assertFalse(again.periodic(), "a manual save exempts it from retention");
    try (InputStream in = s.open(again, "params.bin")) {
      assertArrayEquals(new byte[] {1, 1, 1}, in.readAllBytes());
    }
  }

  @Test
  void aFailedWriteLeavesNoCheckpoint() throws IOException {
    CheckpointStore s = new CheckpointStore(dir);
    Map<String, CheckpointStore.Part> bad =
        Map.of(
            "params.bin",
            out -> {
              throw new IOException("disk full");
            });
    assertThrows(IOException.class, () -> s.save(meta("main", 10, null, false), bad));
    assertTrue(s.list().isEmpty());
    assertTrue(s.resolve("main/10").isEmpty());
  }

  @Test
  void aTemporaryFolderLeftByAKillIsNeverListedEvenWithItsMeta() throws IOException {
    CheckpointStore s = new CheckpointStore(dir);
    s.save(meta("main", 10, null, true), parts((byte) 1));
    // a kill -9 between writing the meta and the rename leaves this behind
    Path tmp = Files.createDirectories(dir.resolve("main/.tmp-20-123"));
    Files.copy(dir.resolve("main/10/meta.json"), tmp.resolve("meta.json"));
    Files.createDirectories(dir.resolve(".tmp-branch/30"));
    Files.copy(dir.resolve("main/10/meta.json"), dir.resolve(".tmp-branch/30/meta.json"));
    assertEquals(List.of("main/10"), s.list().stream().map(CheckpointMeta::id).toList());
    assertEquals("main/10", s.latestVerified().checkpoint().orElseThrow().id());
  }

  @Test
  void latestVerifiedFallsBackPastADeletedPartAndACorruptMetaAndSaysWhy() throws IOException {
    CheckpointStore s = new CheckpointStore(dir);
    s.save(meta("main", 10, null, true), parts((byte) 1));
    s.save(meta("main", 20, null, true), parts((byte) 2));
    s.save(meta("main", 30, null, true), parts((byte) 3));
    // all sound: the newest
    CheckpointStore.Choice sound = s.latestVerified();
    assertEquals("main/30", sound.checkpoint().orElseThrow().id());
    assertTrue(sound.skipped().isEmpty());

    Files.delete(dir.resolve("main/30/params.bin"));
    Files.writeString(dir.resolve("main/20/meta.json"), "{\"id\": \"main/20\", broken");
    CheckpointStore.Choice c = s.latestVerified();
    assertEquals("main/10", c.checkpoint().orElseThrow().id());
    assertEquals(2, c.skipped().size(), c.skipped().toString());
    assertTrue(
        c.skipped().stream()
            .anyMatch(k -> k.id().equals("main/30") && k.why().contains("missing its params.bin")),
        c.skipped().toString());
    assertTrue(
        c.skipped().stream().anyMatch(k -> k.id().equals("main/20") && k.why().contains("corrupt")),
        c.skipped().toString());

    // a flipped byte is caught by the sum; with nothing sound left there is no choice
    Files.write(dir.resolve("main/10/params.bin"), new byte[] {9, 9, 9});
    CheckpointStore.Choice none = s.latestVerified();
    assertTrue(none.checkpoint().isEmpty());
    assertTrue(
        none.skipped().stream()
            .anyMatch(k -> k.id().equals("main/10") && k.why().contains("sha256")),
        none.skipped().toString());
  }
}
