package dev.coxswain.trainer;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Knob;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A run under the control point, whoever owns its loop: Coxswain ({@link InteractiveTrainer}) or
 * the user ({@link OwnLoopTrainer}). What a server needs to host it.
 */
public interface SteeredRun extends AutoCloseable {
  /** Queues a command for the next step boundary; completes with its one result. Any thread. */
  CompletableFuture<CommandResult> submit(Command command);

  /** Trains until the last step, a stop or a failure, on the calling thread. */
  RunOutcome run();

  long step();

  String branch();

  String status();

  List<Knob> knobs();

  /** The model's modules and what can be done to each; empty when the run cannot say. */
  Map<String, Object> model();

  @Override
  void close();
}
