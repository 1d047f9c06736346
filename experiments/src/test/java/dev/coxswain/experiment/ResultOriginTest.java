package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a result says made it: the commit, and the hash of a jar or of class directories. */
class ResultOriginTest {
  @TempDir Path dir;

  @Test
  void aJarIsNamedAndHashedByItsBytes() throws Exception {
    Path jar = dir.resolve("coxswain.jar");
    Files.write(jar, new byte[] {1, 2, 3, 4});
    String[] h = ResultOrigin.hash(Set.of(jar));
    assertEquals("coxswain.jar", h[0]);
    String sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2, 3, 4}));
    assertEquals(sha, h[1], "the jar's own SHA-256, as sha256sum prints it");
  }

  @Test
  void classDirectoriesAreHashedByEveryFileAndChangeWithAny() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a/dev"));
    Path b = Files.createDirectories(dir.resolve("b"));
    Files.writeString(a.resolve("X.class"), "x");
    Files.writeString(b.resolve("Y.class"), "y");
    Set<Path> both = new LinkedHashSet<>(List.of(dir.resolve("a"), b));
    String[] first = ResultOrigin.hash(both);
    assertTrue(first[0].startsWith("classes "), first[0]);
    assertTrue(first[1].matches("[0-9a-f]{64}"), first[1]);
    assertEquals(first[1], ResultOrigin.hash(both)[1], "the same files, the same hash");
    Files.writeString(b.resolve("Y.class"), "y2");
    assertNotEquals(first[1], ResultOrigin.hash(both)[1], "one changed class changes it");
    // a file that cannot be read: no hash, and the reason
    String[] gone = ResultOrigin.hash(Set.of(dir.resolve("missing")));
    assertNull(gone[1]);
    assertTrue(gone[0].startsWith("not read"), gone[0]);
  }

  @Test
  void thisProcessKnowsItsCommitAndCode() {
    ResultOrigin p = ResultOrigin.current();
    assertTrue(p.commit().matches("[0-9a-f]{12}(\\+dirty)?"), p.commit());
    assertTrue(p.codeSha256().matches("[0-9a-f]{64}"), p.code());
    assertEquals(p.commit() + ", code sha256 " + p.codeSha256().substring(0, 12), p.text());
    assertEquals("abc, code not recorded", new ResultOrigin("abc", null, null).text());
  }
}
