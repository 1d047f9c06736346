package dev.coxswain.server.control;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's way to a run, exactly like a person's: commands go to the run's {@code commands}
 * address (the trainer records them), and each completes when its {@code command_result} reaches
 * the control plane's replica. The agent's own events go to the trainer's {@code record} address.
 */
final class BusGateway implements Supervisor.Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(BusGateway.class);

  private final Vertx vertx;
  private final String runId;
  private final CommandSigner signer;
  private final Map<String, CompletableFuture<CommandResult>> pending = new ConcurrentHashMap<>();

  BusGateway(Vertx vertx, RunStore replica, CommandSigner signer) {
    this.vertx = vertx;
    this.runId = replica.runId();
    this.signer = signer;
    replica.addListener(this::onEvent);
  }

  private void onEvent(Event e) {
    if (e.type() == EventType.COMMAND_RESULT) {
      CommandResult r = ((Payload.Result) e.body()).result();
      CompletableFuture<CommandResult> f = pending.remove(r.commandId());
      if (f != null) {
        f.complete(r);
      }
    }
  }

  private DeliveryOptions signed(String body) {
    return signer.signed(body, 10_000);
  }

  @Override
  public CompletableFuture<CommandResult> submit(Command command) {
    CompletableFuture<CommandResult> f = new CompletableFuture<>();
    pending.put(command.id(), f);
    String body = Json.write(command);
    vertx
        .eventBus()
        .request(Addresses.commands(runId), body, signed(body))
        .onFailure(
            err -> {
              // not recorded by the trainer: this is the command's one result
              if (pending.remove(command.id()) != null) {
                f.complete(
                    CommandResult.failed(
                        command, -1, "the trainer did not take the command: " + err.getMessage()));
              }
            });
    return f;
  }

  @Override
  public void emit(Payload payload) {
    EventType type = payload.type();
    String body = new Wire.Record(type, Payloads.encode(payload)).toJson();
    vertx
        .eventBus()
        .request(Addresses.record(runId), body, signed(body))
        .onFailure(
            err ->
                LOG.warn(
                    "run {}: the agent's {} event was not recorded: {}",
                    runId,
                    type.wire(),
                    err.getMessage()));
  }
}
