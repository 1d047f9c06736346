package dev.coxswain.experiment;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What made a result: the git commit of the working tree (with "+dirty" when tracked files differ
 * from it) and the SHA-256 of the code that ran (the jar, or the compiled classes of Coxswain's
 * modules when they run from their build directories), so a published number names what to check
 * out and what to run to make it again.
 *
 * @param commit the commit, "+dirty" appended when the work tree has changes; "unknown (...)" out
 *     of a git checkout
 * @param code what was hashed: the jar's file name, or "classes" and the directories
 * @param codeSha256 the SHA-256 in hex; null when the code could not be found or read
 */
public record ResultOrigin(String commit, String code, String codeSha256) {
  /** Classes of each module the experiments run: their code sources are what ran. */
  private static final List<Class<?>> MODULES =
      List.of(
          ResultOrigin.class, // experiments
          dev.coxswain.trainer.InteractiveTrainer.class,
          dev.coxswain.agent.Supervisor.class,
          dev.coxswain.run.RunStore.class,
          dev.coxswain.protocol.Command.class);

  /** The commit of the working tree and the code of this process, found now. */
  static ResultOrigin current() {
    String[] code = codeHash();
    return new ResultOrigin(gitCommit(), code[0], code[1]);
  }

  /**
   * A short form for tables: the commit and the first 12 hex digits of the code's hash ("code not
   * recorded" in results from before the hash was).
   */
  String text() {
    if (codeSha256 != null) {
      return commit + ", code sha256 " + codeSha256.substring(0, 12);
    }
    return commit + (code == null ? ", code not recorded" : ", code " + code);
  }

  /** What a study's run.json says of the run: its experiment and arm, and this origin. */
  Map<String, Object> runJson(String experiment, String arm) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("experiment", experiment);
    extra.put("arm", arm);
    extra.put("commit", commit);
    extra.put("code", code);
    extra.put("code_sha256", codeSha256);
    return extra;
  }

  /** The commit of the working tree, with "+dirty" when it has uncommitted changes. */
  static String gitCommit() {
    try {
      String head = git("rev-parse", "--short=12", "HEAD");
      if (head.isEmpty()) {
        return "unknown (not a git checkout)";
      }
      String dirty =
          git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!experiments/results");
      return dirty.isEmpty() ? head : head + "+dirty";
    } catch (IOException | InterruptedException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static String git(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return p.waitFor() == 0 ? s : "";
  }

  /** [what was hashed, its SHA-256 or null]. */
  static String[] codeHash() {
    Set<Path> sources = new LinkedHashSet<>();
    for (Class<?> c : MODULES) {
      Path p = location(c);
      if (p == null) {
        return new String[] {"not found (" + c.getName() + " has no code source)", null};
      }
      sources.add(p);
    }
    return hash(sources);
  }

  /**
   * [what was hashed, its SHA-256 or null] of these jars or class directories, in this order: a
   * jar's bytes, a directory's files by relative path (each path, a zero byte, the file's bytes).
   */
  static String[] hash(Set<Path> sources) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      List<String> names = new ArrayList<>();
      for (Path p : sources) {
        if (Files.isRegularFile(p)) {
          names.add(p.getFileName().toString());
          update(sha, p);
        } else {
          names.add(p.toString());
          hashTree(sha, p);
        }
      }
      boolean jar = sources.size() == 1 && Files.isRegularFile(sources.iterator().next());
      String what = jar ? names.get(0) : "classes " + String.join(", ", names);
      return new String[] {what, HexFormat.of().formatHex(sha.digest())};
    } catch (IOException | NoSuchAlgorithmException e) {
      return new String[] {"not read (" + e.getMessage() + ")", null};
    }
  }

  private static Path location(Class<?> c) {
    CodeSource cs = c.getProtectionDomain().getCodeSource();
    URL url = cs == null ? null : cs.getLocation();
    if (url == null) {
      return null;
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }

  /** Each file's path (relative, '/'-separated) and bytes, in path order. */
  private static void hashTree(MessageDigest sha, Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      String rel = dir.relativize(f).toString().replace('\\', '/');
      sha.update(rel.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      update(sha, f);
    }
  }

  private static void update(MessageDigest sha, Path file) throws IOException {
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    }
  }
}
