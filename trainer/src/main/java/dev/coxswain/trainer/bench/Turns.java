package dev.coxswain.trainer.bench;

import ai.djl.ndarray.NDManager;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.BatchSource;
import java.util.Map;

/**
 * Makes several training loops in one process take turns, {@code every} steps each, so that a
 * loaded machine's ups and downs fall on all of them alike. A loop waits for its turn when it asks
 * for the batch of step 1, 1 + every, 1 + 2·every, ...: those steps hold the wait (and the tail of
 * the previous loop's background work) and are left out of the figures. The first turn starts once
 * every loop has arrived, so that building one loop never slows another's steps.
 */
final class Turns {
  private final boolean[] active;
  private final int every;
  private int arrived;
  private int turn = -1; // nobody's until all have arrived

  Turns(int loops, int every) {
    this.active = new boolean[loops];
    java.util.Arrays.fill(active, true);
    this.every = every;
  }

  /** Whether step {@code s} (1-based) is one in which a loop waits for its turn. */
  boolean isHandover(long s) {
    return (s - 1) % every == 0;
  }

  synchronized void awaitTurn(int loop, long step) throws InterruptedException {
    if (step == 1) {
      if (++arrived == active.length) {
        turn = 0;
        notifyAll();
      }
    } else {
      pass(loop);
    }
    while (turn != loop) {
      wait();
    }
  }

  /** The loop has ended: the others go on without it. */
  synchronized void leave(int loop) {
    active[loop] = false;
    if (turn == -1) {
      arrived++; // it ended before its first step: the others must not wait for it
      if (arrived == active.length) {
        turn = 0;
      }
    }
    if (turn == loop || (turn >= 0 && !active[turn])) {
      pass(loop);
    }
    notifyAll();
  }

  private void pass(int loop) {
    for (int i = 1; i <= active.length; i++) {
      int next = (loop + i) % active.length;
      if (active[next]) {
        turn = next;
        notifyAll();
        return;
      }
    }
    turn = loop;
  }

  /** The batches of {@code data}, each turn's first one after waiting for the turn. */
  BatchSource gate(BatchSource data, int loop) {
    return new BatchSource() {
      @Override
      public Batch trainBatch(NDManager manager, long step) {
        if (isHandover(step)) {
          try {
            awaitTurn(loop, step);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a turn", e);
          }
        }
        return data.trainBatch(manager, step);
      }

      @Override
      public int validationBatches() {
        return 0; // no evaluation: it would run outside the turns
      }

      @Override
      public Batch validationBatch(NDManager manager, int index) {
        throw new IllegalStateException("no validation data in the benchmark");
      }

      @Override
      public Map<String, Object> describe() {
        return data.describe();
      }
    };
  }
}
