package dev.coxswain.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a command run in the test's own JVM prints: System.out and System.err are captured for each
 * test and put back after it. Register with {@code @RegisterExtension}.
 */
final class CapturedOutput implements BeforeEachCallback, AfterEachCallback {
  /** Everything printed to System.out during the test. */
  final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Everything printed to System.err during the test. */
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private PrintStream oldOut;
  private PrintStream oldErr;

  /** The real System.out, for figures a test prints for the person who runs it. */
  PrintStream terminal() {
    return oldOut;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }
}
