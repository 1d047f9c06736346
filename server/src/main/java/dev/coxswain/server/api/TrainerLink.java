package dev.coxswain.server.api;

import dev.coxswain.protocol.Json;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.util.List;
import java.util.Map;

/**
 * Signed requests from the API to a run's trainer over the bus: the trainer checks each signature
 * with the cluster's secret.
 */
public final class TrainerLink {
  private final Vertx vertx;
  private final CommandSigner signer;

  TrainerLink(Vertx vertx, CommandSigner signer) {
    this.vertx = vertx;
    this.signer = signer;
  }

  static String reason(Throwable err) {
    if (err instanceof ReplyException r) {
      return switch (r.failureType()) {
        case NO_HANDLERS -> "no trainer is attached to the run";
        case TIMEOUT -> "the trainer did not answer within 10 s";
        default -> r.getMessage();
      };
    }
    return err.toString();
  }

  DeliveryOptions signed(String body) {
    return signer.signed(body, 10_000);
  }

  /** The model tree of a live run, from its trainer (the model lives with it). */
  @SuppressWarnings("unchecked")
  public Future<Map<String, Object>> model(String runId) {
    String body = "{}";
    return vertx
        .eventBus()
        .<String>request(Addresses.model(runId), body, signed(body))
        .map(
            reply -> {
              try {
                return (Map<String, Object>) Json.read(reply.body(), Map.class);
              } catch (Exception e) {
                throw new IllegalStateException("unreadable model tree: " + e.getMessage());
              }
            });
  }

  /** The checkpoints of a live run, from its trainer (they live with it). */
  @SuppressWarnings("unchecked")
  Future<List<CheckpointMeta>> checkpoints(String runId) {
    String body = "{}";
    return vertx
        .eventBus()
        .<String>request(Addresses.checkpoints(runId), body, signed(body))
        .map(
            reply -> {
              try {
                List<Object> raw =
                    (List<Object>) Json.read(reply.body(), Map.class).get("checkpoints");
                return raw.stream()
                    .map(o -> Json.fromMap((Map<String, Object>) o, CheckpointMeta.class))
                    .toList();
              } catch (Exception e) {
                throw new IllegalStateException("unreadable checkpoint list: " + e.getMessage());
              }
            });
  }
}
