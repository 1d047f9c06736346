package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which of {@code System.err}'s lines reach the terminal, and that all reach server.log. */
class ServerLogTest {
  private static final String INFO = "02:10:00.123 [vert.x-worker-thread-3] INFO dev.x.Y - joined";
  private static final String WARN = "02:10:00.456 [main] WARN dev.x.Y - disk almost full";

  @TempDir Path dir;
  private final ByteArrayOutputStream terminal = new ByteArrayOutputStream();
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    System.setErr(new PrintStream(terminal, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
  }

  private String terminal() {
    return terminal.toString(StandardCharsets.UTF_8);
  }

  private void writeAll() {
    System.err.println(INFO);
    System.err.println("\tat dev.x.Y.run(Y.java:1)"); // a trace under the INFO line
    System.err.println(WARN);
    System.err.println("\tat dev.x.Y.run(Y.java:2)");
    System.err.println("Caused by: java.io.IOException: full");
    System.err.println("error: the command's own line");
    System.err.print("a prompt without its newline: ");
    System.err.flush();
  }

  @Test
  void infoGoesToTheLogOnlyWarningsAndTheCommandsOwnLinesToBoth() throws Exception {
    Path log = dir.resolve("server.log");
    ServerLog.install(log, false);
    writeAll();
    assertEquals(
        WARN
            + "\n\tat dev.x.Y.run(Y.java:2)\nCaused by: java.io.IOException: full\n"
            + "error: the command's own line\na prompt without its newline: ",
        terminal());
    assertEquals(
        INFO + "\n\tat dev.x.Y.run(Y.java:1)\n" + terminal(),
        Files.readString(log),
        "everything in server.log");
  }

  @Test
  void withVerboseEverythingGoesToBoth() throws Exception {
    Path log = dir.resolve("server.log");
    Files.writeString(log, "an earlier start's line\n"); // resume appends
    ServerLog.install(log, true);
    writeAll();
    assertEquals(terminal(), Files.readString(log).substring("an earlier start's line\n".length()));
    assertEquals(8, Files.readString(log).lines().count());
  }
}
