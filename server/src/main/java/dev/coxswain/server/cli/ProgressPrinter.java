package dev.coxswain.server.cli;

import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.trainer.events.EventSink;
import java.io.PrintStream;
import java.util.Locale;

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
    Payload p;
    try {
      p = e.body();
    } catch (MalformedPayloadException notOurs) {
      return; // a progress line is not where a malformed event is reported (the log's readers say)
    }
    if (p instanceof Payload.Metrics m) {
      if (terminal) {
        out.print("\r" + bar(e.step(), m));
        lineOpen = true;
      } else if (e.step() % every == 0 || e.step() == 1) {
        out.println(bar(e.step(), m));
      }
    } else if (p instanceof Payload.Eval ev) {
      line(
          String.format(
              Locale.ROOT,
              "step %d: validation loss %.4f (perplexity %.2f)",
              e.step(),
              ev.evalLoss(),
              orNaN(ev.perplexity())));
    } else if (p instanceof Payload.Health h) {
      line("step " + e.step() + ": health " + Payloads.encode(h));
    } else if (p instanceof Payload.Checkpoint c) {
      line("step " + e.step() + ": checkpoint " + c.id());
    } else if (p instanceof Payload.Result res) {
      CommandResult r = res.result();
      line(
          "step "
              + e.step()
              + ": "
              + r.type()
              + " "
              + (r.status() == null ? null : r.status().wire())
              + (r.reason() != null ? " (" + r.reason() + ")" : ""));
    } else if (p instanceof Payload.Branch b) {
      line("step " + e.step() + ": now on branch " + b.branch() + " from " + b.checkpoint());
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

  private String bar(long step, Payload.Metrics p) {
    int width = 24;
    int filled = (int) Math.min(width, step * width / maxSteps);
    double elapsed = (System.nanoTime() - started) / 1e9;
    double eta = step > 0 ? elapsed / step * (maxSteps - step) : 0;
    Double loss = p.loss();
    return String.format(
        Locale.ROOT,
        "step %6d/%d [%s%s] loss %s  lr %.2e  |g| %.3f  %.1fk tok/s  ETA %d:%02d ",
        step,
        maxSteps,
        "#".repeat(filled),
        ".".repeat(width - filled),
        loss == null ? "  NaN" : String.format(Locale.ROOT, "%.4f", loss),
        p.lr(),
        orNaN(p.gradNorm()),
        p.throughput() / 1000,
        (long) eta / 60,
        (long) eta % 60);
  }

  private static double orNaN(Double v) {
    return v == null ? Double.NaN : v;
  }

  @Override
  public synchronized void close() {
    if (lineOpen) {
      out.println();
      lineOpen = false;
    }
  }
}
