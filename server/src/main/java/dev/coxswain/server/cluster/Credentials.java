package dev.coxswain.server.cluster;

import dev.coxswain.server.bus.CommandSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cluster's credentials, one directory every member needs: {@code secret} signs every command,
 * join and heartbeat; {@code node.p12} (a key and a certificate signed by the cluster's own CA) and
 * {@code trust.p12} (that CA) make the event bus TLS with client certificates, so a process without
 * them receives no event and no command. {@code password} opens the two stores; {@code ca.p12}
 * stays with whoever issues credentials. Made with the JDK's keytool.
 */
public record Credentials(CommandSigner signer, Path node, Path trust, String password) {
  public static final String SECRET_ENV = "COXSWAIN_CLUSTER_SECRET";

  /**
   * Reads the credentials in {@code dir}; the secret may come from the environment instead.
   *
   * @throws IllegalArgumentException naming the missing part
   */
  public static Credentials load(Path dir, Map<String, String> env) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--cluster-credentials " + dir + " is not a directory");
    }
    for (String f : List.of("node.p12", "trust.p12", "password")) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new IllegalArgumentException(
            "--cluster-credentials "
                + dir
                + " has no '"
                + f
                + "': copy the control plane's directory");
      }
    }
    String secret = env.get(SECRET_ENV);
    if (secret == null || secret.isBlank()) {
      Path s = dir.resolve("secret");
      if (!Files.isRegularFile(s)) {
        throw new IllegalArgumentException(
            "--cluster-credentials " + dir + " has no 'secret' and " + SECRET_ENV + " is not set");
      }
      secret = Files.readString(s, StandardCharsets.UTF_8);
    }
    byte[] b = secret.strip().getBytes(StandardCharsets.UTF_8);
    if (b.length < 16) {
      throw new IllegalArgumentException("the cluster secret must be at least 16 characters");
    }
    return new Credentials(
        new CommandSigner(b),
        dir.resolve("node.p12"),
        dir.resolve("trust.p12"),
        Files.readString(dir.resolve("password"), StandardCharsets.UTF_8).strip());
  }

  /** Creates a cluster's credentials in {@code dir} unless they are there; returns {@code dir}. */
  public static Path ensure(Path dir) throws IOException, InterruptedException {
    if (Files.isRegularFile(dir.resolve("node.p12"))
        && Files.isRegularFile(dir.resolve("secret"))) {
      return dir;
    }
    Path tmp =
        Files.createTempDirectory(
            dir.toAbsolutePath().getParent() == null ? Path.of(".") : mkParent(dir),
            ".credentials-");
    String pw = random(24);
    write(tmp.resolve("password"), pw);
    write(tmp.resolve("secret"), random(32));
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    List<String> common = List.of("-storetype", "PKCS12", "-storepass", pw, "-keypass", pw);
    String ca = tmp.resolve("ca.p12").toString();
    String node = tmp.resolve("node.p12").toString();
    keyPairs(keytool, common, ca, node);
    certify(keytool, common, tmp, ca, node);
    Files.move(tmp, dir); // whole or not at all
    return dir;
  }

  /** The cluster's CA and the members' key pair, each in its own store. */
  private static void keyPairs(String keytool, List<String> common, String ca, String node)
      throws IOException, InterruptedException {
    keytool(
        keytool,
        common,
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=coxswain cluster CA",
        "-ext",
        "bc:c",
        "-validity",
        "3650",
        "-keystore",
        ca);
    keytool(
        keytool,
        common,
        "-genkeypair",
        "-alias",
        "node",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=coxswain cluster member",
        "-validity",
        "3650",
        "-keystore",
        node);
  }

  /** The CA signs the members' key; the node store holds the chain, the trust store the CA. */
  private static void certify(String keytool, List<String> common, Path tmp, String ca, String node)
      throws IOException, InterruptedException {
    String csr = tmp.resolve("node.csr").toString();
    String crt = tmp.resolve("node.crt").toString();
    String caCrt = tmp.resolve("ca.crt").toString();
    String trust = tmp.resolve("trust.p12").toString();
    keytool(keytool, common, "-certreq", "-alias", "node", "-keystore", node, "-file", csr);
    keytool(
        keytool,
        common,
        "-gencert",
        "-alias",
        "ca",
        "-keystore",
        ca,
        "-infile",
        csr,
        "-outfile",
        crt,
        "-validity",
        "3650");
    keytool(
        keytool, common, "-exportcert", "-alias", "ca", "-keystore", ca, "-rfc", "-file", caCrt);
    keytool(
        keytool,
        common,
        "-importcert",
        "-alias",
        "ca",
        "-file",
        caCrt,
        "-keystore",
        node,
        "-noprompt");
    keytool(keytool, common, "-importcert", "-alias", "node", "-file", crt, "-keystore", node);
    keytool(
        keytool,
        common,
        "-importcert",
        "-alias",
        "ca",
        "-file",
        caCrt,
        "-keystore",
        trust,
        "-noprompt");
    for (String f : List.of(csr, crt, caCrt)) {
      Files.delete(Path.of(f));
    }
  }

  private static Path mkParent(Path dir) throws IOException {
    return Files.createDirectories(dir.toAbsolutePath().getParent());
  }

  private static void keytool(String keytool, List<String> common, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(keytool);
    cmd.addAll(List.of(args));
    cmd.addAll(common);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + out.strip());
    }
  }

  // hex, not base64url: a keytool argument that starts with "-J" is taken as a JVM option by its
  // launcher (a password "-JV90d..." made `server` exit 2 in one clean-clone run of 1 in ~4,000)
  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  private static void write(Path f, String text) throws IOException {
    Files.writeString(f, text, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's permissions apply
    }
  }
}
