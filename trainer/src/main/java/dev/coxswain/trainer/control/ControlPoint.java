package dev.coxswain.trainer.control;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.InvalidCommandException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The seam between steps where commands take effect ("apply before advance"). Any thread may {@link
 * #submit} a command; only the training thread calls {@link #boundary}, after step S and before
 * step S+1, which validates and applies each queued command in arrival order and produces exactly
 * one result for it. While paused, {@link #boundary} blocks but keeps handling commands, so resume
 * and stop still work.
 */
public final class ControlPoint {

  /** Applies one parsed command to the run; throwing means the command failed. */
  public interface Applier {
    /**
     * @param nextStep the step that will run under the change
     * @return the result (applied or rejected)
     */
    CommandResult apply(Command command, Action action, long nextStep) throws Exception;
  }

  private record Pending(Command command, CompletableFuture<CommandResult> result) {}

  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Consumer<CommandResult> onResult;
  private volatile boolean paused;
  private volatile boolean stopRequested;
  private volatile String closedReason;

  /**
   * @param onResult called with every result, on the training thread, before its future completes
   */
  public ControlPoint(Consumer<CommandResult> onResult) {
    this.onResult = onResult;
  }

  /**
   * Queues a command for the next step boundary. Never throws: a command sent after the run ended
   * is answered at once with a rejection.
   */
  public CompletableFuture<CommandResult> submit(Command command) {
    CompletableFuture<CommandResult> f = new CompletableFuture<>();
    synchronized (this) {
      if (closedReason == null) {
        queue.add(new Pending(command, f));
        return f;
      }
    }
    f.complete(CommandResult.rejected(command, -1, closedReason));
    return f;
  }

  /**
   * Handles every queued command, then returns unless paused; while paused, waits for and handles
   * commands until a resume or a stop.
   *
   * @return true when the run must stop
   */
  public boolean boundary(LongSupplier nextStep, Applier applier, Runnable onPauseWait)
      throws InterruptedException {
    drain(nextStep, applier);
    while (paused && !stopRequested) {
      Pending p = queue.poll(250, TimeUnit.MILLISECONDS);
      if (p == null) {
        onPauseWait.run();
      } else {
        handle(p, nextStep, applier);
        drain(nextStep, applier);
      }
    }
    return stopRequested;
  }

  private void drain(LongSupplier nextStep, Applier applier) {
    List<Pending> batch = new ArrayList<>();
    queue.drainTo(batch);
    for (Pending p : batch) {
      handle(p, nextStep, applier);
    }
  }

  // nextStep is read per command: a load earlier in the same batch moves the run to another step
  private void handle(Pending p, LongSupplier nextSteps, Applier applier) {
    long nextStep = nextSteps.getAsLong();
    CommandResult r;
    try {
      Action action = Action.parse(p.command());
      r = applier.apply(p.command(), action, nextStep);
    } catch (InvalidCommandException e) {
      r = CommandResult.rejected(p.command(), nextStep, e.getMessage());
    } catch (Exception | LinkageError e) {
      r =
          CommandResult.failed(
              p.command(), nextStep, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    onResult.accept(r);
    p.result().complete(r);
  }

  public void setPaused(boolean value) {
    paused = value;
  }

  /** Whether a command waits for the next boundary (any thread; a hint: one may arrive after). */
  public boolean hasQueued() {
    return !queue.isEmpty();
  }

  public boolean isPaused() {
    return paused;
  }

  public void requestStop() {
    stopRequested = true;
  }

  public boolean isStopRequested() {
    return stopRequested;
  }

  /**
   * Refuses further commands with {@code reason} and rejects everything still queued, so every
   * command ever submitted gets its one result.
   */
  public void close(String reason, long step) {
    synchronized (this) {
      closedReason = reason;
    }
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    for (Pending p : left) {
      CommandResult r = CommandResult.rejected(p.command(), step, reason);
      onResult.accept(r);
      p.result().complete(r);
    }
  }
}
