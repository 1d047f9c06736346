package dev.coxswain.server.cluster;

import dev.coxswain.server.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A process without the cluster's credentials that joins its Hazelcast cluster anyway (Hazelcast
 * open source cannot stop it), listens to a run's events for a while and sends it an unsigned
 * command. Prints what it got. Arguments: member, own cluster port, run id, seconds to listen.
 */
public final class RogueMember {
  private RogueMember() {}

  public static void main(String[] args) throws Exception {
    String member = args[0];
    int port = Integer.parseInt(args[1]);
    String run = args[2];
    int seconds = Integer.parseInt(args[3]);
    Cluster.Options o = new Cluster.Options("127.0.0.1", port, List.of(member), "coxswain");
    VertxOptions vo = new VertxOptions();
    vo.getEventBusOptions().setHost("127.0.0.1").setPort(0); // no TLS: it has no keys
    Vertx vertx =
        Vertx.builder()
            .with(vo)
            .withClusterManager(new HazelcastClusterManager(Cluster.hazelcast(o)))
            .buildClustered()
            .toCompletionStage()
            .toCompletableFuture()
            .get(120, TimeUnit.SECONDS);
    System.out.println("rogue: joined the cluster");
    AtomicInteger events = new AtomicInteger();
    vertx.eventBus().<String>consumer(Addresses.events(run), m -> events.incrementAndGet());
    CountDownLatch answered = new CountDownLatch(1);
    String[] outcome = {"no answer"};
    vertx
        .eventBus()
        .request(
            Addresses.commands(run),
            "{\"id\":\"rogue-1\",\"type\":\"stop\",\"source\":\"human\",\"args\":{}}",
            new DeliveryOptions().setSendTimeout(10_000))
        .onComplete(
            ar -> {
              outcome[0] =
                  ar.succeeded()
                      ? "ACCEPTED " + ar.result().body()
                      : "REFUSED " + ar.cause().getMessage();
              answered.countDown();
            });
    answered.await(30, TimeUnit.SECONDS);
    System.out.println("rogue: command " + outcome[0]);
    Thread.sleep(seconds * 1000L); // the listening window this process measures
    System.out.println("rogue: received " + events.get() + " events in " + seconds + " s");
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
