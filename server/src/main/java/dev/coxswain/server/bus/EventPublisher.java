package dev.coxswain.server.bus;

import dev.coxswain.run.RunStore;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/**
 * Publishes a run's recorded events on its events address, with the sequence number as a header.
 */
public final class EventPublisher {
  private EventPublisher() {}

  public static void attach(RunStore store, EventBus bus) {
    String address = Addresses.events(store.runId());
    store.addJsonListener(
        (e, json) ->
            bus.publish(
                address, json, new DeliveryOptions().addHeader("seq", Long.toString(e.seq()))));
  }
}
