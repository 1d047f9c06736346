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
        Path f = tmp.resolve(e.getKey());
        MessageDigest md = sha256();
        try (OutputStream fo = Files.newOutputStream(f);
            DataOutputStream out =
                new DataOutputStream(
                    new BufferedOutputStream(new java.security.DigestOutputStream(fo, md)))) {
          e.getValue().write(out);
        }
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
      Files.writeString(tmp.resolve("meta.json"), Json.write(full));
      move(tmp, dir);
      return full;
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
  }

  /** All complete checkpoints, oldest step first within each branch. */
  public List<CheckpointMeta> list() throws IOException {
    List<CheckpointMeta> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> branches = Files.list(root)) {
      for (Path b : branches.filter(Files::isDirectory).sorted().toList()) {
        try (Stream<Path> steps = Files.list(b)) {
          for (Path s : steps.filter(p -> Files.exists(p.resolve("meta.json"))).toList()) {
            try {
              out.add(readMeta(s));
            } catch (IOException e) {
              // an unreadable checkpoint is skipped here and reported when someone asks for it
            }
          }
        }
      }
    }
    out.sort(Comparator.comparing(CheckpointMeta::branch).thenComparingLong(CheckpointMeta::step));
    return out;
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
    Files.writeString(tmp, Json.write(meta));
    move(tmp, dir.resolve("meta.json"));
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
