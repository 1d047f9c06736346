package dev.coxswain.trainer.checkpoint;

import dev.coxswain.protocol.Json;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints on disk: {@code <root>/<branch>/<step>/} with one file per part plus {@code
 * meta.json} holding each file's sha256. A checkpoint is written into a temporary directory and
 * renamed into place, so a crash never leaves a half-written checkpoint that looks complete.
 */
public final class CheckpointStore {
  /** Writes one part of a checkpoint. */
  public interface Part {
    void write(DataOutputStream out) throws IOException;
  }

  private final Path root;

  public CheckpointStore(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /**
   * Writes the parts and the metadata atomically. When a checkpoint already exists at this branch
   * and step (a periodic save and a manual one at the same step), its files are kept and its
   * metadata is updated with the new tag; a manual save makes it exempt from retention.
   */
  public CheckpointMeta save(CheckpointMeta meta, Map<String, Part> parts) throws IOException {
    Path dir = dir(meta.branch(), meta.step());
    if (Files.isDirectory(dir) && Files.exists(dir.resolve("meta.json"))) {
      CheckpointMeta old = readMeta(dir);
      CheckpointMeta merged =
          old.retagged(
              meta.tag() != null ? meta.tag() : old.tag(), old.periodic() && meta.periodic());
      writeMetaAtomically(dir, merged);
      return merged;
    }
    Files.createDirectories(dir.getParent());
    Path tmp = Files.createTempDirectory(dir.getParent(), ".tmp-" + meta.step() + "-");
    try {
      Map<String, String> sums = new LinkedHashMap<>();
      for (Map.Entry<String, Part> e : parts.entrySet()) {
        MessageDigest md = sha256();
        writeDurably(
            tmp.resolve(e.getKey()),
            fo -> {
              DataOutputStream out =
                  new DataOutputStream(
                      new BufferedOutputStream(new java.security.DigestOutputStream(fo, md)));
              e.getValue().write(out);
              out.flush();
            });
        sums.put(e.getKey(), HexFormat.of().formatHex(md.digest()));
      }
      CheckpointMeta full =
          new CheckpointMeta(
              meta.id(),
              meta.branch(),
              meta.step(),
              meta.tag(),
              meta.periodic(),
              meta.knobs(),
              meta.optimizerUpdates(),
              meta.seed(),
              meta.dataPosition(),
              meta.data(),
              meta.loss(),
              sums,
              meta.time(),
              meta.modules());
      byte[] json = Json.write(full).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      writeDurably(tmp.resolve("meta.json"), fo -> fo.write(json));
      // every file and the folder's entries are on disk before the rename publishes them, and the
      // rename itself is on disk before the checkpoint is announced
      forceDirectory(tmp);
      move(tmp, dir);
      forceDirectory(dir.getParent());
      return full;
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
  }

  /** All complete checkpoints, oldest step first within each branch. */
  public List<CheckpointMeta> list() throws IOException {
    List<CheckpointMeta> out = new ArrayList<>();
    // an unreadable checkpoint is left out here; latestVerified says why it was skipped
    scan(out, new ArrayList<>());
    out.sort(Comparator.comparing(CheckpointMeta::branch).thenComparingLong(CheckpointMeta::step));
    return out;
  }

  /** A checkpoint passed over, and why. */
  public record Skipped(String id, String why) {}

  /** The checkpoint a resume starts from, and the newer ones it passed over. */
  public record Choice(Optional<CheckpointMeta> checkpoint, List<Skipped> skipped) {}

  /**
   * The newest checkpoint whose metadata reads and whose every part is present with its recorded
   * sha256, and each newer one that failed that check with the reason: a resume falls back past a
   * deleted or corrupt file instead of failing.
   */
  public Choice latestVerified() throws IOException {
    List<CheckpointMeta> metas = new ArrayList<>();
    List<Skipped> unreadable = new ArrayList<>();
    scan(metas, unreadable);
    metas.sort(Comparator.comparing(CheckpointMeta::time).reversed());
    List<Skipped> skipped = new ArrayList<>(unreadable);
    for (CheckpointMeta m : metas) {
      Optional<String> problem = verify(m);
      if (problem.isEmpty()) {
        return new Choice(Optional.of(m), skipped);
      }
      skipped.add(new Skipped(m.id(), problem.get()));
    }
    return new Choice(Optional.empty(), skipped);
  }

  /** Empty when every part of the checkpoint is present with its recorded sha256, else why not. */
  public Optional<String> verify(CheckpointMeta meta) {
    if (meta.files() == null || meta.files().isEmpty()) {
      return Optional.of("its metadata lists no files");
    }
    for (String part : meta.files().keySet()) {
      try (InputStream in = open(meta, part)) {
        // open checks the sum
      } catch (IOException e) {
        String msg = e instanceof NoSuchFileException n ? n.getReason() : e.getMessage();
        return Optional.of(msg);
      }
    }
    return Optional.empty();
  }

  // Only published checkpoints: <branch>/<step>/meta.json, never a temporary ".tmp-*" folder.
  private void scan(List<CheckpointMeta> metas, List<Skipped> unreadable) throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> branches = Files.list(root)) {
      for (Path b : branches.filter(CheckpointStore::published).sorted().toList()) {
        try (Stream<Path> steps = Files.list(b)) {
          for (Path s : steps.filter(CheckpointStore::published).toList()) {
            if (!s.getFileName().toString().matches("[0-9]{1,18}")
                || !Files.exists(s.resolve("meta.json"))) {
              continue;
            }
            try {
              metas.add(readMeta(s));
            } catch (IOException e) {
              unreadable.add(new Skipped(b.getFileName() + "/" + s.getFileName(), e.getMessage()));
            }
          }
        } catch (NoSuchFileException gone) {
          // a branch folder removed while listing
        }
      }
    }
  }

  private static boolean published(Path p) {
    return !p.getFileName().toString().startsWith(".") && Files.isDirectory(p);
  }

  /** Finds a checkpoint by id ({@code main/200}), by tag, or {@code latest} (newest by time). */
  public Optional<CheckpointMeta> resolve(String ref) throws IOException {
    List<CheckpointMeta> all = list();
    if ("latest".equals(ref)) {
      return all.stream().max(Comparator.comparing(CheckpointMeta::time));
    }
    for (CheckpointMeta m : all) {
      if (m.id().equals(ref)) {
        return Optional.of(m);
      }
    }
    return all.stream()
        .filter(m -> ref.equals(m.tag()))
        .max(Comparator.comparing(CheckpointMeta::time));
  }

  /** Opens a part after checking its checksum against the metadata. */
  public InputStream open(CheckpointMeta meta, String part) throws IOException {
    Path f = dir(meta.branch(), meta.step()).resolve(part);
    String expected = meta.files().get(part);
    if (expected == null) {
      throw new IOException("checkpoint " + meta.id() + " has no part '" + part + "'");
    }
    if (!Files.exists(f)) {
      throw new NoSuchFileException(
          f.toString(), null, "checkpoint " + meta.id() + " is missing its " + part);
    }
    MessageDigest md = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    String actual = HexFormat.of().formatHex(md.digest());
    if (!actual.equals(expected)) {
      throw new IOException(
          "checkpoint "
              + meta.id()
              + " is corrupt: "
              + part
              + " has sha256 "
              + actual.substring(0, 12)
              + "..., expected "
              + expected.substring(0, 12)
              + "...");
    }
    return Files.newInputStream(f);
  }

  /**
   * Keeps the newest {@code keep} periodic checkpoints of a branch; deletes older periodic ones.
   */
  public List<String> prune(String branch, int keep) throws IOException {
    List<CheckpointMeta> periodic =
        list().stream().filter(m -> m.branch().equals(branch) && m.periodic()).toList();
    List<String> removed = new ArrayList<>();
    for (int i = 0; i < periodic.size() - keep; i++) {
      CheckpointMeta m = periodic.get(i);
      deleteTree(dir(m.branch(), m.step()));
      removed.add(m.id());
    }
    return removed;
  }

  private Path dir(String branch, long step) {
    return root.resolve(branch).resolve(Long.toString(step));
  }

  private static CheckpointMeta readMeta(Path dir) throws IOException {
    try {
      return Json.read(Files.readString(dir.resolve("meta.json")), CheckpointMeta.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(
          "checkpoint metadata "
              + dir.resolve("meta.json")
              + " is corrupt: "
              + e.getOriginalMessage());
    }
  }

  private static void writeMetaAtomically(Path dir, CheckpointMeta meta) throws IOException {
    Path tmp = Files.createTempFile(dir, ".meta-", ".json");
    byte[] json = Json.write(meta).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    writeDurably(tmp, fo -> fo.write(json));
    move(tmp, dir.resolve("meta.json"));
    forceDirectory(dir);
  }

  private interface Writing {
    void to(OutputStream out) throws IOException;
  }

  /** Writes a file and forces its content to the device before returning. */
  private static void writeDurably(Path f, Writing w) throws IOException {
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(
            f,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
            java.nio.file.StandardOpenOption.WRITE)) {
      OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
      w.to(out);
      out.flush();
      ch.force(true);
    }
  }

  /** Forces a folder's entries (creations, renames) to the device, where the OS allows it. */
  private static void forceDirectory(Path dir) throws IOException {
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    } catch (java.nio.file.AccessDeniedException | UnsupportedOperationException e) {
      // some file systems cannot open a folder for this; the rename is still atomic there
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
