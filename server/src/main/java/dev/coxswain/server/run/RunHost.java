package dev.coxswain.server.run;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts one training run: deployed as a worker verticle, it builds the trainer (blocking work:
 * corpus, engine), answers commands on the run's command address and trains on a thread of its own,
 * never on an event loop. Every event goes through the {@link RunStore} (sequence number, disk),
 * which then publishes it on the bus.
 */
public final class RunHost extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RunHost.class);

  private final RunStore store;
  private final RunSpec spec;
  private final String resumeFrom;
  private final Promise<RunOutcome> finished = Promise.promise();
  private InteractiveTrainer trainer;
  private Thread thread;
  private MessageConsumer<String> consumer;

  /**
   * @param resumeFrom checkpoint to continue from ({@code latest}, an id or a tag), or null
   */
  public RunHost(RunStore store, RunSpec spec, String resumeFrom) {
    this.store = store;
    this.spec = spec;
    this.resumeFrom = resumeFrom;
  }

  @Override
  public Future<?> start() throws Exception {
    InteractiveTrainer.Builder b =
        InteractiveTrainer.builder(spec.workload(), spec.trainer())
            .optRunDir(store.dir())
            .optSink(store::append)
            .optRecordCommands(false); // the API records each command before it gets here
    if (resumeFrom != null) {
      b.optResumeFrom(resumeFrom);
    }
    trainer = b.build();
    consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.commands(store.runId()),
                msg -> {
                  try {
                    Command c = Json.read(msg.body(), Command.class);
                    trainer.submit(c);
                    msg.reply("queued");
                  } catch (Exception e) {
                    msg.fail(400, "not a command: " + e.getMessage());
                  }
                });
    thread = new Thread(this::train, "coxswain-train-" + store.runId());
    return consumer.completion().onSuccess(v -> thread.start());
  }

  private void train() {
    try {
      finished.complete(trainer.run());
    } catch (RuntimeException | Error e) {
      LOG.error("run {} failed: {}", store.runId(), e.toString());
      finished.fail(e);
    }
  }

  /** Completes when the training loop ends. */
  public Future<RunOutcome> finished() {
    return finished.future();
  }

  /**
   * Records a command durably in the run's log, then hands it to the trainer (for commands from
   * this process: the agent, shutdown). Completes with the command's one result.
   */
  public CompletableFuture<CommandResult> submitRecorded(Command command) {
    store.append(EventType.COMMAND, Json.toMap(command));
    return trainer.submit(command);
  }

  public InteractiveTrainer trainer() {
    return trainer;
  }

  /**
   * Asks the run to stop at the next step boundary (it checkpoints at the end) and waits for it.
   *
   * @return true when the loop ended within the time
   */
  public boolean stopAndWait(String reason, long seconds) throws InterruptedException {
    if (thread == null || !thread.isAlive()) {
      return true;
    }
    submitRecorded(Command.of("stop", Source.API, Map.of()).withReason(reason));
    thread.join(TimeUnit.SECONDS.toMillis(seconds));
    return !thread.isAlive();
  }

  @Override
  public Future<?> stop() throws Exception {
    if (thread != null && thread.isAlive()) {
      stopAndWait("server shutting down", 60);
    }
    if (trainer != null) {
      trainer.close();
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
