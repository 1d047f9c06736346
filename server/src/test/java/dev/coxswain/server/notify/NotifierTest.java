package dev.coxswain.server.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.EventType;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications reach a receiver the test runs on loopback, through failures, without touching
 * training.
 */
@ExtendWith(VertxExtension.class)
class NotifierTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  private static boolean has(List<JsonObject> got, String kind) {
    return got.stream().anyMatch(m -> kind.equals(m.getString("kind")));
  }

  private static void await(List<JsonObject> got, String kind, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!has(got, kind)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no '" + kind + "' notification within " + seconds + " s; got " + got);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
  }

  @Test
  void healthAndFinishAreDeliveredWithRetries(Vertx vertx) throws Exception {
    List<JsonObject> got = new CopyOnWriteArrayList<>();
    AtomicInteger requests = new AtomicInteger();
    HttpServer receiver =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              // every other request fails, so each message needs its retry
                              if (requests.incrementAndGet() % 2 == 1) {
                                req.response().setStatusCode(500).end();
                              } else {
                                got.add(body.toJsonObject());
                                req.response().setStatusCode(204).end();
                              }
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + receiver.actualPort() + "/hook";
    server =
        TestRuns.start(
            dir,
            400,
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            new Notifier.Options(url, 1, 4, 50));
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 5, 60);
    assertEquals(
        202, http.command("t1", "{\"type\":\"set_knobs\",\"args\":{\"lr\":10}}").statusCode());
    await(got, "health", 60);
    http.awaitState("t1", s -> "finished".equals(s.get("status")), 120);
    await(got, "finished", 30);
    assertTrue(requests.get() >= 2 * 2, "each delivered message took two tries: " + requests.get());
    JsonObject fin =
        got.stream().filter(m -> "finished".equals(m.getString("kind"))).findFirst().orElseThrow();
    assertEquals("t1", fin.getString("run"));
    assertEquals(400L, fin.getLong("step"));
  }

  @Test
  void aRunningRunWithoutStepsIsReportedAsStalledButAPausedOneIsNot(Vertx vertx) throws Exception {
    List<JsonObject> got = new CopyOnWriteArrayList<>();
    HttpServer receiver =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              got.add(body.toJsonObject());
                              req.response().setStatusCode(200).end();
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    RunStore store =
        RunStore.create(dir.resolve("runs/s1"), Map.of("run_id", "s1", "started", "now"));
    vertx
        .deployVerticle(
            new Notifier(
                new Notifier.Options("http://127.0.0.1:" + receiver.actualPort() + "/", 1, 2, 10),
                store))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    store.append(EventType.STATUS, Map.of("status", "paused"));
    long t0 = System.nanoTime();
    store.append(EventType.STATUS, Map.of("status", "running"));
    await(got, "stalled", 10);
    assertTrue(System.nanoTime() - t0 >= 1_000_000_000L, "not before the stall time");
    assertEquals(1, got.size(), "a paused run is not stalled, and a stall is reported once");
    assertEquals("s1", got.get(0).getString("run"));
    store.close();
  }

  @Test
  void anUnreachableReceiverNeverStopsTraining() throws Exception {
    // nothing listens on port 9 (discard) on loopback: every post fails
    server =
        TestRuns.start(
            dir,
            60,
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            new Notifier.Options("http://127.0.0.1:9/x", 1, 2, 10));
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> "finished".equals(s.get("status")), 120);
    assertEquals(60L, ((Number) http.state("t1").get("step")).longValue());
  }

  @Test
  void badUrlsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Notifier.Options("ftp://x/y", 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new Notifier.Options("not a url", 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new Notifier.Options("http://h/x", 0, 1, 1));
  }
}
