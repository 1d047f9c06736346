package dev.coxswain.server;

import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.api.ApiVerticle;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.Feed;
import dev.coxswain.server.metrics.Telemetry;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * A run store served by the real API on loopback with no trainer: what the test appends to the
 * store is what the API's reads and streams see. Closing stops the server (not the store).
 */
public final class ServedStore implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final int port;

  public ServedStore(RunStore store, ApiOptions options) throws Exception {
    Feed.attach(store, vertx.eventBus()); // what the API's streams follow
    RunRegistry registry = new RunRegistry();
    registry.add(store);
    ApiVerticle api =
        new ApiVerticle(registry, options, CommandSigner.random(), Telemetry.create());
    vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    port = api.port();
  }

  public int port() {
    return port;
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
