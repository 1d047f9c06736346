package dev.coxswain.server.cli;

import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C and SIGTERM for a command that trains. The first one stops the run at its next step
 * boundary (where it checkpoints), naming the signal received; a second one ends the process at
 * once (checkpoints are written aside and renamed, so the last whole one stays whole). Handlers
 * instead of a shutdown hook: a hook cannot tell which signal ended the process. A signal that was
 * ignored when the process started (a background job) stays ignored.
 */
final class StopOnSignal implements AutoCloseable {
  private static final String[] SIGNALS = {"INT", "TERM"};

  private final AtomicReference<String> received = new AtomicReference<>();
  private final PrintStream err;
  private final Map<Signal, SignalHandler> before = new LinkedHashMap<>();

  private StopOnSignal(PrintStream err) {
    this.err = err;
  }

  /**
   * Installs the handlers. On the first signal, {@code stop} runs on a thread of its own with the
   * signal's name ("SIGINT", "SIGTERM"); it is expected to stop the run and end the process.
   */
  static StopOnSignal install(PrintStream err, Consumer<String> stop) {
    StopOnSignal s = new StopOnSignal(err);
    for (String name : SIGNALS) {
      try {
        Signal sig = new Signal(name);
        s.before.put(sig, Signal.handle(sig, x -> s.on("SIG" + x.getName(), stop)));
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // the JVM keeps this one (e.g. -Xrs): its default, the shutdown hook, still stops the run
      }
    }
    return s;
  }

  private void on(String signal, Consumer<String> stop) {
    if (!received.compareAndSet(null, signal)) {
      err.println("coxswain: " + signal + " again: quitting now");
      err.flush();
      Runtime.getRuntime().halt(exitCode(signal));
      return;
    }
    err.println(
        "coxswain: "
            + signal
            + " received: stopping at the next step (it checkpoints); Ctrl-C again quits at once");
    err.flush();
    Thread t = new Thread(() -> stop.accept(signal), "coxswain-stop");
    t.start();
  }

  /**
   * Puts back the handlers there were before (the JVM's: a shutdown), for a command that returns to
   * its caller instead of exiting (in-process callers such as tests).
   */
  @Override
  public void close() {
    before.forEach(Signal::handle);
  }

  /** The signal received, "SIGINT" or "SIGTERM"; null when none was. */
  String received() {
    return received.get();
  }

  /** The exit code a shell reports for a process ended by this signal: 128 + its number. */
  static int exitCode(String signal) {
    return "SIGINT".equals(signal) ? 130 : 143;
  }

  /**
   * The one line said when a run stops: where, its last checkpoint and how to resume it, e.g.
   * "stopped at step 218; last checkpoint main/218; resume with: ./coxswain resume runs/r1".
   */
  static String stoppedLine(long step, Path runDir) {
    return stoppedLine(step, runDir, "stopped");
  }

  /**
   * As {@link #stoppedLine(long, Path)} for a run whose last status is {@code status}: a run that
   * had already finished is said to have, with no resume command (there is nothing to continue).
   */
  static String stoppedLine(long step, Path runDir, String status) {
    if ("finished".equals(status)) {
      return "coxswain: the run had finished at step "
          + step
          + "; last checkpoint "
          + lastCheckpoint(runDir, "none")
          + "; the server has stopped";
    }
    return "coxswain: stopped at step "
        + step
        + "; last checkpoint "
        + lastCheckpoint(runDir, "none (resume starts again at step 0)")
        + "; resume with: "
        + launcher()
        + " resume "
        + shown(runDir);
  }

  private static String lastCheckpoint(Path runDir, String none) {
    Optional<CheckpointMeta> last;
    try {
      last = new CheckpointStore(runDir.resolve("checkpoints")).resolve("latest");
    } catch (IOException e) {
      last = Optional.empty(); // the line still says where the run stopped and how to resume
    }
    return last.map(CheckpointMeta::id).orElse(none);
  }

  // the launcher script runs the jar from its own directory: when it is here, say ./coxswain
  private static String launcher() {
    Path script = Path.of("coxswain");
    return Files.isRegularFile(script) && Files.isExecutable(script) ? "./coxswain" : "coxswain";
  }

  private static String shown(Path runDir) {
    Path abs = runDir.toAbsolutePath().normalize();
    Path here = Path.of("").toAbsolutePath();
    return abs.startsWith(here) && !abs.equals(here)
        ? here.relativize(abs).toString()
        : abs.toString();
  }
}
