package dev.coxswain.server.bus;

import dev.coxswain.run.RunStore;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/**
 * Publishes what a store appends on its run's {@link Addresses#feed} address, in this JVM only, for
 * the API's streams: a stream replays the store and then follows the feed, so it sees every event
 * once, in order.
 */
public final class Feed {
  private Feed() {}

  public static void attach(RunStore store, EventBus bus) {
    String address = Addresses.feed(store.runId());
    store.addJsonListener(
        (e, json) ->
            bus.publish(
                address,
                json,
                new DeliveryOptions().setLocalOnly(true).addHeader("seq", Long.toString(e.seq()))));
  }
}
