package dev.coxswain.experiment;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.trainer.StepGate;
import java.util.concurrent.TimeoutException;

/**
 * The experiments' lockstep: at each step boundary the trainer holds until the agent has taken in
 * every event so far, decided where a window ended and sent what it decided; the decision then
 * applies at the next step, always the same one. Without it the agent decides on its own thread
 * while training goes on, and under load a decision landed a step later (the agent arm's seed 1
 * ended at 1.3433, 1.3406 and 1.3432 in three runs). The served product keeps its free-running
 * agent; only the experiments hold. Training waits while the agent thinks: an LLM's latency adds to
 * the wall time of its arm.
 */
final class AgentLockstep implements StepGate {
  /** Longer than any one decision (the policy's retries included) should take. */
  static final long LIMIT_SECONDS = 900;

  private volatile Supervisor agent;

  /** From now on each boundary waits for this agent. */
  void follow(Supervisor s) {
    this.agent = s;
  }

  @Override
  public void hold(long step) throws InterruptedException {
    Supervisor s = agent;
    if (s == null) {
      return;
    }
    try {
      s.drain(LIMIT_SECONDS);
    } catch (InterruptedException e) {
      throw e;
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "the agent took more than " + LIMIT_SECONDS + " s to take in step " + step, e);
    } catch (Exception e) {
      throw new IllegalStateException("the agent failed at step " + step + ": " + e, e);
    }
  }
}
