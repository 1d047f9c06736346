package dev.coxswain.server.cli;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * What a served run says as it starts ({@code serve}, {@code resume}): first what is starting and
 * where its log is, then (printed by {@link Serving}) the console's address, then, once the first
 * steps are measured, how long it will take ({@link EtaLine}). The server's INFO lines go to the
 * run's {@code server.log} ({@link ServerLog}), and to the terminal too with {@code --verbose}.
 */
final class StartOutput {
  @Option(
      names = "--verbose",
      description =
          "the server's INFO log lines on the terminal too (they are always in RUN/server.log)")
  boolean verbose;

  /**
   * Routes the log into the run's directory, says what is starting, and prints the ETA line once
   * the run's first steps are measured.
   *
   * @param verb "starting" or "resuming"
   * @throws IOException when server.log cannot be opened
   */
  void begin(String verb, RunStore store, RunSpec spec, AgentSettings agent, PrintStream out)
      throws IOException {
    Path log = store.dir().resolve("server.log");
    ServerLog.install(log, verbose);
    long maxSteps = spec.trainer().maxSteps();
    out.println(
        "coxswain: "
            + verb
            + " run "
            + store.runId()
            + ": "
            + spec.workload().name()
            + ", "
            + maxSteps
            + " steps, agent "
            + (agent == null ? "off" : agent.mode())
            + "; the server's log: "
            + log);
    out.flush();
    store.addListener(new EtaLine(out, maxSteps));
  }
}
