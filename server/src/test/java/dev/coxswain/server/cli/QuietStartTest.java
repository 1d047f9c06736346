package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person sees when {@code serve} starts, from a real process: what is starting, the
 * console's address, how long the run will take; no escape codes, no WARN, no INFO (those go to the
 * run's server.log), unless {@code --verbose} asks for the INFO lines on the terminal.
 */
class QuietStartTest {
  private static final Pattern ETA =
      Pattern.compile(
          "coxswain: about \\d+(\\.\\d)? (s|min|h) to step 400 at \\d+\\.\\d (s/step|steps/s)");
  private static final Pattern LOG_LINE =
      Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[[^\\]]+\\] (INFO|WARN|ERROR) \\S+ - .*");

  @TempDir Path dir;

  private ServerProcess serve(Path runDir, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "serve",
                "--port",
                "0",
                "--agent",
                "rule",
                "--config",
                TestRuns.config(dir, 400, 50).toString(),
                "--run-dir",
                runDir.toString()));
    args.addAll(List.of(more));
    return ServerProcess.start(dir.resolve("logs"), Map.of(), args.toArray(String[]::new));
  }

  @Test
  void theTerminalSaysWhatStartsWhereAndHowLongWithoutNoiseAndTheLogGoesToTheRun()
      throws Exception {
    Path runDir = dir.resolve("runs/quiet");
    try (ServerProcess p = serve(runDir).awaitServing(120)) {
      p.awaitOutput(ETA, 120);
      String said = p.output();
      List<String> lines = said.lines().filter(l -> !l.isBlank()).toList();
      assertTrue(lines.get(0).startsWith("coxswain: starting run "), said);
      assertTrue(lines.get(0).contains("400 steps, agent rule"), said);
      assertTrue(lines.get(0).contains(runDir.resolve("server.log").toString()), said);
      assertTrue(
          said.contains("coxswain: console http://127.0.0.1:" + p.port() + "/#token="), said);
      assertFalse(said.contains("\u001b"), "no escape codes: " + said);
      assertFalse(said.contains("WARN"), "no WARN: " + said);
      assertFalse(said.contains("INFO"), "the INFO lines are in server.log: " + said);
      assertEquals(1, ETA.matcher(said).results().count(), "the ETA once: " + said);

      // the node says it joined on its own thread, after the serving line: wait for the line
      String log =
          await(() -> Files.readString(runDir.resolve("server.log")), "joined the control plane");
      assertTrue(log.contains(" INFO dev.coxswain."), log);
      assertFalse(log.contains("Gauge has been already registered"), log);
      for (String l : log.lines().toList()) {
        assertTrue(LOG_LINE.matcher(l).matches(), "a whole log line: '" + l + "'");
      }
    }
  }

  @Test
  void withVerboseTheInfoLinesAreOnTheTerminalTooAndInTheLog() throws Exception {
    Path runDir = dir.resolve("runs/verbose");
    try (ServerProcess p = serve(runDir, "--verbose").awaitServing(120)) {
      String said = await(p::output, "joined the control plane");
      assertTrue(said.contains(" INFO dev.coxswain."), said);
      assertFalse(said.contains("\u001b"), said);
      for (String l : said.lines().toList()) {
        assertTrue(
            l.isBlank()
                || l.startsWith("coxswain: ")
                || l.equals("--- stderr ---")
                || LOG_LINE.matcher(l).matches(),
            "a whole line: '" + l + "'");
      }
      await(() -> Files.readString(runDir.resolve("server.log")), "joined the control plane");
    }
  }

  interface Text {
    String read() throws Exception;
  }

  /** The text once it contains {@code what}; fails with the text after 60 s. */
  private static String await(Text text, String what) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      String t = text.read();
      if (t.contains(what)) {
        return t;
      }
      assertTrue(System.nanoTime() < deadline, "no '" + what + "' within 60 s: " + t);
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
    }
  }
}
