package dev.coxswain.trainer;

import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.control.ControlPoint;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The run's status (created, running, paused, finished, stopped, failed), announced as it moves;
 * the commands that move it (pause, resume, stop), and the control point's closing at the end.
 */
final class RunStatus {
  private final TrainerEvents events;
  private final ControlPoint controlPoint;
  private final RunPosition position;
  private volatile String value = "created";

  RunStatus(TrainerEvents events, ControlPoint controlPoint, RunPosition position) {
    this.events = events;
    this.controlPoint = controlPoint;
    this.position = position;
  }

  /** Registers the run's own commands ({@link RunCommands}). */
  void registerWith(CommandHandlers handlers) {
    new RunCommands(controlPoint, this::set, events).registerWith(handlers);
  }

  String get() {
    return value;
  }

  /** Sets it and says so in a {@code status} event. */
  void set(String s) {
    value = s;
    events.emit(Payload.Status.of(s));
  }

  /** The training itself: says how it ended, {@code "stopped"} or {@code "finished"}. */
  interface Training {
    String run() throws IOException, InterruptedException;
  }

  /**
   * Runs the training and ends the run as it says; a failure fails the run and is thrown on (an
   * interrupt as an {@link IllegalStateException}, an I/O error unchecked).
   */
  String run(Training training) {
    try {
      String end = training.run();
      ended(end);
      return end;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed(e);
      throw new IllegalStateException("training interrupted at step " + position.step(), e);
    } catch (IOException e) {
      failed(e);
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      failed(e);
      throw e;
    }
  }

  /** The run has ended ({@code "stopped"} or {@code "finished"}): no command is taken after. */
  void ended(String end) {
    long step = position.step();
    controlPoint.close("the run has " + end + " at step " + step, step);
    set(end);
  }

  /** The run failed: closes the control point and says why, if the log can still be written. */
  void failed(Throwable e) {
    long step = position.step();
    controlPoint.close("the run failed at step " + step, step);
    String error = e.getClass().getSimpleName() + ": " + e.getMessage();
    value = "failed";
    try {
      events.emit(new Payload.Status("failed", error, null, null, null, null));
    } catch (RuntimeException unwritable) {
      e.addSuppressed(unwritable); // a log that cannot be written: the first error is the story
    }
  }
}
