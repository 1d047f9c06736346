package dev.coxswain.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a served run's log lines go. slf4j-simple writes them to {@code System.err} (looked up at
 * every line, so it works whenever the loggers were made); this stream takes {@code System.err}'s
 * place and writes every line to {@code RUN/server.log}, but to the terminal only the log lines a
 * person can act on (WARN, ERROR), or all of them with {@code --verbose}. Lines that are not log
 * lines (the command's own messages) go to both. Each line reaches the terminal whole, in one
 * write, so that no line is cut in two by another thread's.
 */
final class ServerLog extends OutputStream {
  /** slf4j-simple's line as simplelogger.properties shapes it: time, [thread], level. */
  private static final Pattern RECORD =
      Pattern.compile(
          "^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) ");

  private final PrintStream terminal;
  private final OutputStream file;
  private final boolean verbose;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private boolean recordShown = true; // whether the last log line went to the terminal

  private ServerLog(PrintStream terminal, OutputStream file, boolean verbose) {
    this.terminal = terminal;
    this.file = file;
    this.verbose = verbose;
  }

  /**
   * Routes {@code System.err} through a new log in {@code logFile} (appended to: a resumed run
   * keeps its earlier lines).
   */
  static void install(Path logFile, boolean verbose) throws IOException {
    OutputStream f =
        Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ServerLog log = new ServerLog(System.err, f, verbose);
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void write(int b) throws IOException {
    line.write(b);
    if (b == '\n') {
      emit();
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    int start = off;
    for (int i = off; i < off + len; i++) {
      if (b[i] == '\n') {
        line.write(b, start, i + 1 - start);
        emit();
        start = i + 1;
      }
    }
    line.write(b, start, off + len - start);
  }

  /** A line without its end yet (a prompt, a progress bar) goes out when it is flushed. */
  @Override
  public synchronized void flush() throws IOException {
    if (line.size() > 0 && !RECORD.matcher(line.toString(StandardCharsets.UTF_8)).find()) {
      emit();
    }
  }

  private void emit() throws IOException {
    byte[] bytes = line.toByteArray();
    line.reset();
    String s = new String(bytes, StandardCharsets.UTF_8);
    Matcher m = RECORD.matcher(s);
    if (m.find()) {
      recordShown = verbose || m.group(1).equals("WARN") || m.group(1).equals("ERROR");
    } else if (!continuesRecord(s)) {
      recordShown = true; // the command's own line
    }
    file.write(bytes);
    file.flush();
    if (recordShown) {
      terminal.write(bytes, 0, bytes.length);
      terminal.flush();
    }
  }

  // the stack trace a log line carries: "\tat ...", "Caused by: ...", "\t... 3 more"
  private static boolean continuesRecord(String s) {
    return s.startsWith("\t") || s.startsWith(" ") || s.startsWith("Caused by: ");
  }
}
