package dev.coxswain.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane keeps the token it generated across a restart (a console tab left open works
 * again), readable by its owner only and written nowhere else; COXSWAIN_TOKEN wins and is not kept.
 */
class ControlPlaneTokenTest {
  private static final Pattern TOKEN = Pattern.compile("#token=([A-Za-z0-9_-]+)");
  private static final Pattern CONSOLE = Pattern.compile("coxswain: console \\S+");

  @TempDir Path dir;

  private String start(Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("JAVA_TOOL_OPTIONS", "-Dai.djl.pytorch.num_threads=1 -Dvertx.disableDnsResolver=true");
    try (ServerProcess p =
        ServerProcess.start(
            dir.resolve("logs"),
            env,
            "server",
            "--port",
            "0",
            "--cluster-port",
            Integer.toString(TestRuns.freePort()),
            "--runs",
            dir.resolve("control").toString())) {
      var m = TOKEN.matcher(p.awaitOutput(CONSOLE, 120).group());
      String token = m.find() ? m.group(1) : null;
      p.terminate(60);
      return token;
    }
  }

  @Test
  void aGeneratedTokenIsKeptAcrossARestartAndAnExplicitOneIsNot() throws Exception {
    String first = start(Map.of());
    Path kept = dir.resolve("control/" + "control-plane-token");
    assertEquals(first, Files.readString(kept).strip());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));

    assertEquals(first, start(Map.of()), "the same token after a restart");

    // an explicit token wins, is not printed, and the kept one is left as it was
    assertEquals(null, start(Map.of("COXSWAIN_TOKEN", "explicit-token-1234567890")));
    assertEquals(first, Files.readString(kept).strip());
    assertNotEquals(first, "explicit-token-1234567890");

    // the token is in no other file the control plane wrote
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir.resolve("control"))) {
      files = s.filter(Files::isRegularFile).filter(f -> !f.equals(kept)).toList();
    }
    for (Path f : files) {
      String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      assertFalse(bytes.contains(first), "token in " + f);
    }
  }
}
