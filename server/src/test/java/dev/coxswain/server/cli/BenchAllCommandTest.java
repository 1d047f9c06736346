package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.Main;
import dev.coxswain.server.TestRuns;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench-all} on a tiny model: every benchmark runs and its key figures land in one table.
 */
class BenchAllCommandTest {
  @TempDir Path dir;

  @Test
  void printsEveryKeyFigureInOneTable() throws Exception {
    Path cfg = TestRuns.config(dir, 100, 0);
    PrintStream oldOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc =
          new CommandLine(new Main())
              .execute(
                  "bench-all",
                  "--config",
                  cfg.toString(),
                  "--steps",
                  "10",
                  "--rounds",
                  "1",
                  "--commands",
                  "5",
                  "--clients",
                  "2",
                  "--fanout-events",
                  "50");
    } finally {
      System.setOut(oldOut);
    }
    String table = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, rc, table);
    for (String figure :
        new String[] {
          "| figure | value | target | from |",
          "control-point overhead: throughput ratio",
          "command latency, POST to applied: p50 / p99",
          "fan-out to 2 WebSocket clients: p99 delivery",
          "command latency to a joined trainer",
          "catch-up of a fresh control plane beside a running trainer",
          "median step time: joined trainer / the same run alone",
          "input tokens per decision, prompt lr-recovery"
        }) {
      assertTrue(table.contains(figure), figure + " in\n" + table);
    }
  }
}
