package dev.coxswain.server.cli;

import dev.coxswain.protocol.Event;
import dev.coxswain.trainer.events.EventSink;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A terminal progress bar fed by the run's events. On a terminal it redraws one line; otherwise
 * (logs, CI) it prints a line every twentieth of the run. Evaluations, health events, checkpoints
 * and command results are printed on lines of their own.
 */
final class ProgressPrinter implements EventSink {
  private final PrintStream out;
  private final long maxSteps;
  private final boolean terminal;
  private final long every;
  private final long started = System.nanoTime();
  private boolean lineOpen;

  ProgressPrinter(PrintStream out, long maxSteps, boolean terminal) {
    this.out = out;
    this.maxSteps = Math.max(1, maxSteps);
    this.terminal = terminal;
    this.every = Math.max(1, maxSteps / 20);
  }

  @Override
  public synchronized void accept(Event e) {
    Map<String, Object> p = e.payload();
    switch (e.type()) {
      case METRICS -> {
        if (terminal) {
          out.print("\r" + bar(e.step(), p));
          lineOpen = true;
        } else if (e.step() % every == 0 || e.step() == 1) {
          out.println(bar(e.step(), p));
        }
      }
      case EVAL ->
          line(
              String.format(
                  Locale.ROOT,
                  "step %d: validation loss %.4f (perplexity %.2f)",
                  e.step(),
                  num(p, "eval_loss"),
                  num(p, "perplexity")));
      case HEALTH -> line("step " + e.step() + ": health " + p);
      case CHECKPOINT -> line("step " + e.step() + ": checkpoint " + p.get("id"));
      case COMMAND_RESULT ->
          line(
              "step "
                  + e.step()
                  + ": "
                  + p.get("type")
                  + " "
                  + p.get("status")
                  + (p.get("reason") != null ? " (" + p.get("reason") + ")" : ""));
      case BRANCH ->
          line(
              "step "
                  + e.step()
                  + ": now on branch "
                  + p.get("branch")
                  + " from "
                  + p.get("checkpoint"));
      default -> {}
    }
    out.flush();
  }

  private void line(String s) {
    if (lineOpen) {
      out.println();
      lineOpen = false;
    }
    out.println(s);
  }

  private String bar(long step, Map<String, Object> p) {
    int width = 24;
    int filled = (int) Math.min(width, step * width / maxSteps);
    double elapsed = (System.nanoTime() - started) / 1e9;
    double eta = step > 0 ? elapsed / step * (maxSteps - step) : 0;
    Object loss = p.get("loss");
    return String.format(
        Locale.ROOT,
        "step %6d/%d [%s%s] loss %s  lr %.2e  |g| %.3f  %.1fk tok/s  ETA %d:%02d ",
        step,
        maxSteps,
        "#".repeat(filled),
        ".".repeat(width - filled),
        loss == null ? "  NaN" : String.format(Locale.ROOT, "%.4f", ((Number) loss).doubleValue()),
        num(p, "lr"),
        p.get("grad_norm") == null ? Double.NaN : num(p, "grad_norm"),
        num(p, "tokens_per_s") / 1000,
        (long) eta / 60,
        (long) eta % 60);
  }

  private static double num(Map<String, Object> p, String k) {
    Object v = p.get(k);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  @Override
  public synchronized void close() {
    if (lineOpen) {
      out.println();
      lineOpen = false;
    }
  }
}
