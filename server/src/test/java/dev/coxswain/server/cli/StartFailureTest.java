package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} on a port something else holds, as a real process: one line that names the port and
 * says how to pick another, exit code 2, and no run directory left behind for {@code report} to
 * find.
 */
class StartFailureTest {
  @TempDir Path dir;

  private ServerProcess serve(int port, Path runDir) throws Exception {
    return ServerProcess.start(
        dir.resolve("logs"),
        Map.of(),
        "serve",
        "--port",
        Integer.toString(port),
        "--agent",
        "off",
        "--config",
        TestRuns.config(dir, 20, 50).toString(),
        "--run-dir",
        runDir.toString());
  }

  private static int exitOf(ServerProcess p) throws Exception {
    assertTrue(p.process().waitFor(120, TimeUnit.SECONDS), "it exits: " + p.output());
    return p.process().exitValue();
  }

  @Test
  void aTakenPortIsNamedWithHowToPickAnotherAndNothingIsCreated() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Path runs = dir.resolve("runs"); // not there yet: the failed start must not leave it
      try (ServerProcess p = serve(port, runs.resolve("r1"))) {
        assertEquals(2, exitOf(p), p.output());
        String expected =
            "error: port "
                + port
                + " on 127.0.0.1 is in use; pick another with --port N (or --port 0 for any free"
                + " port)";
        assertTrue(p.output().contains(expected), p.output());
        assertFalse(p.output().contains("Address already in use"), "the port, not Java's words");
      }
      assertFalse(Files.exists(runs), "no runs directory left behind");

      // a runs directory that was there stays, with what it held; only the new run's goes
      Files.createDirectories(runs.resolve("earlier"));
      try (ServerProcess p = serve(port, runs.resolve("r2"))) {
        assertEquals(2, exitOf(p), p.output());
      }
      try (Stream<Path> s = Files.list(runs)) {
        assertEquals(List.of(runs.resolve("earlier")), s.toList());
      }
    }
  }

  @Test
  void aFreePortStartsAndKeepsTheRunDirectory() throws Exception {
    Path runDir = dir.resolve("runs/r3");
    try (ServerProcess p = serve(0, runDir).awaitServing(120)) {
      assertTrue(p.port() > 0, "--port 0: a free port, printed");
      assertTrue(Files.isRegularFile(runDir.resolve("run.json")));
    }
  }
}
