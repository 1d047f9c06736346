package dev.coxswain.server.cli;

import dev.coxswain.report.ReportFiles;
import dev.coxswain.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coxswain report RUN}: the morning report of a run, finished or live. */
@Command(
    name = "report",
    header = "the morning report of a run: report.html and report.md",
    mixinStandardHelpOptions = true,
    description =
        "The morning report of a run, finished or live: one self-contained HTML page (curves with"
            + " every intervention marked, the timeline of commands and agent decisions, health,"
            + " rollbacks, the best checkpoint, the agent's cost, throughput) and Markdown beside"
            + " it. Reads the run's files only; writes nothing else.")
public final class ReportCommand implements Callable<Integer> {
  private static final Pattern URL = Pattern.compile("https?://[A-Za-z0-9.\\-\\[\\]:]+");

  @Parameters(paramLabel = "RUN", description = "the run's directory, or its id under --runs")
  String run;

  @Option(
      names = "--runs",
      paramLabel = "DIR",
      description = "where a run id is looked up (default ${DEFAULT-VALUE})")
  Path runs = Path.of("runs");

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "the HTML page (default RUN/report.html); the Markdown goes beside it (.md)")
  Path out;

  @Option(
      names = "--metric",
      paramLabel = "NAME",
      description =
          "the evaluation metric that picks the best checkpoint (default: the validation loss)")
  String metric;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description =
          "where a live run is served, for the commands in the report (default"
              + " http://127.0.0.1:7007)")
  String server;

  @Override
  public Integer call() {
    long t0 = System.nanoTime();
    if (server != null && !URL.matcher(server).matches()) {
      System.err.println("error: --server must be http://HOST:PORT, not '" + server + "'");
      return 2;
    }
    Path dir = resolve();
    if (dir == null) {
      return 2;
    }
    RunReport report;
    try {
      report = RunReport.read(dir, metric, server);
    } catch (RunReport.NotARun | IllegalArgumentException e) {
      System.err.println("error: " + oneLine(e.getMessage()));
      return 2;
    } catch (IOException | RuntimeException e) {
      System.err.println("error: cannot read the run in " + dir + ": " + oneLine(e.getMessage()));
      return 2;
    }
    if (report.run().step() == 0) {
      // an empty report would read like a run that trained nothing: say so instead
      System.err.println(
          "error: run "
              + report.run().id()
              + " in "
              + dir
              + " has no steps ("
              + report.run().status()
              + "): there is nothing to report");
      return 2;
    }
    ReportFiles.Written w;
    try {
      w = ReportFiles.write(report, out != null ? out : dir.resolve("report.html"));
    } catch (IOException e) {
      System.err.println("error: cannot write the report: " + oneLine(e.getMessage()));
      return 1;
    }
    System.out.printf(
        Locale.ROOT,
        "report: %s (%,d KiB) and %s (%,d KiB) for run %s, %s at step %d; %d ms%n",
        w.html(),
        (w.htmlBytes() + 1023) / 1024,
        w.markdown(),
        (w.markdownBytes() + 1023) / 1024,
        report.run().id(),
        report.run().status(),
        report.run().step(),
        (System.nanoTime() - t0) / 1_000_000);
    return 0;
  }

  private static String oneLine(String s) {
    return String.valueOf(s).replaceAll("\\s+", " ").trim();
  }

  /** The run's directory, or null after saying why there is none. */
  private Path resolve() {
    Path given = Path.of(run);
    if (Files.isRegularFile(given.resolve("run.json"))) {
      return given;
    }
    Path byId = runs.resolve(run);
    if (!run.contains("/") && Files.isRegularFile(byId.resolve("run.json"))) {
      return byId;
    }
    if (Files.isDirectory(given)) {
      System.err.println("error: " + given + " is not a run directory (it has no run.json)");
    } else {
      System.err.println(
          "error: no run '" + run + "': not a directory, and not a run id under " + runs);
    }
    return null;
  }
}
