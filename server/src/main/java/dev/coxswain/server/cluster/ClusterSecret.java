package dev.coxswain.server.cluster;

import dev.coxswain.server.bus.CommandSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The cluster's shared secret, which signs every command, join and heartbeat on the bus. It comes
 * from {@code COXSWAIN_CLUSTER_SECRET}, or a file ({@code --cluster-secret-file}); a control plane
 * without either makes one in a file only its user can read. It is never printed or sent.
 */
public final class ClusterSecret {
  public static final String ENV = "COXSWAIN_CLUSTER_SECRET";

  private ClusterSecret() {}

  /**
   * The secret from the environment or the file.
   *
   * @throws IllegalArgumentException naming what is missing or too short
   */
  public static CommandSigner load(Map<String, String> env, Path file) throws IOException {
    String s = env.get(ENV);
    if ((s == null || s.isBlank()) && file != null) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--cluster-secret-file " + file + " does not exist");
      }
      s = Files.readString(file, StandardCharsets.UTF_8);
    }
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException(
          "joining a cluster needs its secret: set "
              + ENV
              + " or pass --cluster-secret-file FILE (the control plane prints where its file is)");
    }
    byte[] b = s.strip().getBytes(StandardCharsets.UTF_8);
    if (b.length < 16) {
      throw new IllegalArgumentException("the cluster secret must be at least 16 characters");
    }
    return new CommandSigner(b);
  }

  /**
   * Writes a fresh random secret to {@code file} (readable by its owner only) unless one is there.
   */
  public static Path ensureFile(Path file) throws IOException {
    if (Files.exists(file)) {
      return file;
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".secret-", ".tmp");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's permissions apply
    }
    Files.writeString(
        tmp,
        Base64.getUrlEncoder().withoutPadding().encodeToString(b),
        StandardCharsets.UTF_8,
        StandardOpenOption.TRUNCATE_EXISTING);
    Files.move(tmp, file);
    return file;
  }
}
