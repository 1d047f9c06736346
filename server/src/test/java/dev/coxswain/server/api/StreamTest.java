package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WebSocket stream with a real Vert.x WebSocket client: replay, then live, no gap, no
 * duplicate.
 */
@ExtendWith(VertxExtension.class)
class StreamTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  /** Connects with since, collects events until one has seq >= until, then closes. */
  private static Future<List<Long>> collect(
      WebSocketClient client, int port, long since, long until) {
    Promise<List<Long>> done = Promise.promise();
    List<Long> seqs = new ArrayList<>();
    client
        .connect(port, "127.0.0.1", "/api/runs/t1/stream?since=" + since)
        .onFailure(done::tryFail)
        .onSuccess(
            ws ->
                ws.textMessageHandler(
                    text -> {
                      if (done.future().isComplete()) {
                        return; // frames already in flight when we closed
                      }
                      try {
                        Event e = Json.read(text, Event.class);
                        seqs.add(e.seq());
                        if (e.seq() >= until) {
                          ws.close();
                          done.tryComplete(seqs);
                        }
                      } catch (Exception ex) {
                        done.tryFail(ex);
                      }
                    }));
    return done.future();
  }

  @Test
  void reconnectingWithSinceGetsEveryEventExactlyOnce(Vertx vertx) throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("last_seq")).longValue() > 60, 180);
    // held until the end: Vert.x closes a client that becomes unreachable (GC), its streams too
    WebSocketClient client = vertx.createWebSocketClient();
    // first connection: replays from the start, goes live, leaves at seq 80
    List<Long> first =
        collect(client, server.port(), 0, 80)
            .toCompletionStage()
            .toCompletableFuture()
            .get(180, TimeUnit.SECONDS);
    long last = first.get(first.size() - 1);
    // meanwhile the run goes on; the second connection must fill the gap exactly
    http.awaitState("t1", s -> ((Number) s.get("last_seq")).longValue() > last + 40, 180);
    long target = server.store().lastSeq() + 60; // past the replay, into live events
    List<Long> second =
        collect(client, server.port(), last, target)
            .toCompletionStage()
            .toCompletableFuture()
            .get(180, TimeUnit.SECONDS);
    List<Long> all = new ArrayList<>(first);
    all.addAll(second);
    for (int i = 0; i < all.size(); i++) {
      assertEquals(i + 1, all.get(i), "event " + (i + 1) + " exactly once, in order");
    }
    assertTrue(all.size() >= target);
    // several concurrent clients see the same sequence
    List<Future<List<Long>>> many = new ArrayList<>();
    long from = server.store().lastSeq();
    for (int i = 0; i < 10; i++) {
      many.add(collect(client, server.port(), from, from + 20));
    }
    for (Future<List<Long>> f : many) {
      List<Long> got = f.toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
      for (int i = 0; i < got.size(); i++) {
        assertEquals(from + 1 + i, got.get(i));
      }
    }
    client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
