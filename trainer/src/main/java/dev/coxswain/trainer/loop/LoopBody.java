package dev.coxswain.trainer.loop;

/**
 * A training loop of its own. It trains step {@link Steer#step()} and then calls {@link
 * Steer#boundary} with that step's figures, until the boundary says to stop:
 *
 * <pre>{@code
 * steer -> {
 *   do {
 *     long step = steer.step(); // batches drawn from (seed, step) replay exactly
 *     ... one step ...
 *   } while (steer.boundary(StepFigures.loss(l).with("loss_d", ld)));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface LoopBody {
  /** Trains until {@link Steer#boundary} returns false; an exception fails the run. */
  void train(Steer steer) throws Exception;
}
