package dev.coxswain.agent;

import dev.coxswain.protocol.Event;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one thread and the work given to it, in the order given: a run's events and tasks
 * (settings restored, drains). Each event is first <em>read</em> (what must never wait: the
 * automatic recovery), then has its <em>turn</em> (everything else); normally one right after the
 * other. While the thread waits for a policy's answer ({@link #await}, seconds to a minute for an
 * LLM) it goes on reading the events given meanwhile, and keeps them and the tasks for their turns,
 * which come once the answer is in: a diverging run is rolled back at once, and everything else
 * still sees every event after the decision, in order, as before.
 *
 * <p>Thread-safety: {@link #accept}, {@link #run}, {@link #drain} and {@link #close} from any
 * thread; {@link #await} on the agent's thread only (from a turn); reads and turns all run there.
 *
 * @param <R> what reading an event leaves for its turn
 */
final class AgentQueue<R> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentQueue.class);
  private static final Object WAKE = new Object(); // an answer came
  private static final Object STOP = new Object();

  private final Function<Event, R> read;
  private final Consumer<R> turn;
  private final LinkedBlockingDeque<Object> given = new LinkedBlockingDeque<>(); // Event, Runnable
  private final ArrayDeque<Object> readAhead = new ArrayDeque<>(); // R, Runnable: the thread's
  private final Thread thread;
  private volatile boolean closed;

  /**
   * @param read reads an event (on the agent's thread, in order); may return null to skip its turn
   * @param turn an event's turn, with what reading it left
   */
  AgentQueue(String name, Function<Event, R> read, Consumer<R> turn) {
    this.read = read;
    this.turn = turn;
    this.thread = new Thread(this::loop, name);
    thread.setDaemon(true);
  }

  /** Starts the agent's thread; what is given before waits for it. */
  void start() {
    thread.start();
  }

  /** Takes an event; returns at once. Ignored once closed. */
  void accept(Event e) {
    if (!closed) {
      given.add(e);
    }
  }

  /** Runs a task in its turn, after every event given before it. Ignored once closed. */
  void run(Runnable task) {
    if (!closed) {
      given.add(task);
    }
  }

  /**
   * Waits until everything given so far has had its turn (and what the turns sent is sent).
   *
   * @throws RejectedExecutionException once closed
   */
  void drain(long seconds) throws Exception {
    if (closed) {
      throw new RejectedExecutionException("the agent is closed");
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    run(() -> done.complete(null));
    done.get(seconds, TimeUnit.SECONDS);
  }

  /**
   * On the agent's thread: waits for an answer computed elsewhere, reading every event given
   * meanwhile; their turns, and those of the tasks given meanwhile, come after this one's.
   */
  <T> T await(CompletableFuture<T> answer) {
    answer.whenComplete((value, failure) -> given.offerFirst(WAKE));
    try {
      while (!answer.isDone()) {
        Object next = given.take();
        if (next instanceof Event e) {
          R r = readSafely(e);
          if (r != null) {
            readAhead.add(r);
          }
        } else if (next != WAKE) {
          readAhead.add(next); // a task or the stop: in its turn
        }
      }
      return answer.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the policy", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the policy failed: " + e.getCause(), e.getCause());
    }
  }

  private void loop() {
    while (true) {
      Object next;
      try {
        next = readAhead.isEmpty() ? given.take() : readAhead.poll();
      } catch (InterruptedException e) {
        return;
      }
      if (next == STOP) {
        return;
      }
      if (next == WAKE) {
        continue; // an answer that came after its wait ended
      }
      try {
        if (next instanceof Runnable task) {
          task.run();
        } else if (next instanceof Event e) {
          R r = readSafely(e);
          if (r != null) {
            turn.accept(r);
          }
        } else {
          @SuppressWarnings("unchecked")
          R r = (R) next; // read while a decision waited
          turn.accept(r);
        }
      } catch (RuntimeException ex) { // the turns say which event; this is the last resort
        LOG.warn("agent: {} on its thread", ex.toString());
      }
    }
  }

  private R readSafely(Event e) {
    try {
      return read.apply(e);
    } catch (RuntimeException ex) { // its turn is skipped, as a failed event always was
      LOG.warn("agent: {} while reading a {} event", ex.toString(), e.type());
      return null;
    }
  }

  /** Lets everything given so far have its turn (30 s at most), then ends the thread. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    given.add(STOP);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
