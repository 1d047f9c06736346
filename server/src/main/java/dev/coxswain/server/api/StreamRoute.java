package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.json;
import static dev.coxswain.server.api.Replies.longParam;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.run.RunRegistry;
import dev.coxswain.server.run.RunStore;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The WebSocket stream of a run's events: a replay after {@code since}, then live, with no gap and
 * no duplicate; with --private the token comes in the header or as the first message.
 */
final class StreamRoute {
  private static final int PAGE = 1000;
  private static final int SLOW_CLIENT_LIMIT = 5_000;

  private final Vertx vertx;
  private final RunRegistry runs;
  private final ApiOptions options;
  private final Access access;

  StreamRoute(Vertx vertx, RunRegistry runs, ApiOptions options, Access access) {
    this.vertx = vertx;
    this.runs = runs;
    this.options = options;
    this.access = access;
  }

  void stream(RoutingContext ctx) {
    Optional<RunStore> found = Replies.run(ctx, runs);
    Long since = longParam(ctx, "since", 0, Long.MAX_VALUE);
    if (found.isEmpty() || since == null) {
      return;
    }
    RunStore store = found.get();
    boolean headerOk = access.tokenMatches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
    ctx.request()
        .toWebSocket()
        .onSuccess(
            ws -> {
              if (!options.privateReads() || headerOk) {
                new Subscriber(store, ws, since).start();
                return;
              }
              // the first message must be {"token": "..."}; nothing is sent before it
              long timer =
                  vertx.setTimer(5000, t -> ws.close((short) 1008, "send {\"token\": ...} first"));
              ws.textMessageHandler(
                  text -> {
                    ws.textMessageHandler(null);
                    vertx.cancelTimer(timer);
                    String token = null;
                    try {
                      Object m = Json.mapper().readValue(text, Object.class);
                      if (m instanceof Map<?, ?> map && map.get("token") instanceof String s) {
                        token = s;
                      }
                    } catch (Exception e) {
                      token = null; // not JSON: refused below like a wrong token
                    }
                    if (token != null && access.tokenMatches("Bearer " + token)) {
                      new Subscriber(store, ws, since).start();
                    } else {
                      ws.close((short) 1008, "missing or wrong token");
                    }
                  });
            });
  }

  /** One WebSocket client. Runs entirely on this verticle's event loop. */
  private final class Subscriber {
    private final RunStore store;
    private final ServerWebSocket ws;
    private long lastSent;
    private boolean replaying = true;
    private final List<String> buffered = new ArrayList<>();
    private final List<Long> bufferedSeq = new ArrayList<>();
    private MessageConsumer<String> consumer;
    private int overfull;

    Subscriber(RunStore store, ServerWebSocket ws, long since) {
      this.store = store;
      this.ws = ws;
      this.lastSent = since;
    }

    void start() {
      // Subscribe to live events BEFORE reading the replay, so nothing falls between the two.
      consumer = vertx.eventBus().localConsumer(Addresses.feed(store.runId()));
      consumer.handler(
          msg -> {
            long seq = Long.parseLong(msg.headers().get("seq"));
            if (replaying) {
              buffered.add(msg.body());
              bufferedSeq.add(seq);
            } else {
              send(seq, msg.body());
            }
          });
      ws.closeHandler(v -> consumer.unregister());
      consumer.completion().onSuccess(v -> replayPage());
    }

    private void replayPage() {
      vertx
          .executeBlocking(() -> store.since(lastSent, PAGE), false)
          .onSuccess(
              page -> {
                for (Event e : page) {
                  send(e.seq(), Json.write(e));
                }
                if (page.size() == PAGE && !ws.isClosed()) {
                  replayPage();
                } else {
                  replaying = false;
                  for (int i = 0; i < buffered.size(); i++) {
                    send(bufferedSeq.get(i), buffered.get(i));
                  }
                  buffered.clear();
                  bufferedSeq.clear();
                }
              })
          .onFailure(err -> ws.close((short) 1011, "cannot read the event log"));
    }

    private void send(long seq, String json) {
      if (seq <= lastSent || ws.isClosed()) {
        return; // already sent during the replay
      }
      ws.writeTextMessage(json);
      lastSent = seq;
      if (ws.writeQueueFull()) {
        if (++overfull > SLOW_CLIENT_LIMIT) {
          // never drop silently: close, and let the client resume from what it has
          ws.close((short) 1013, "client too slow; reconnect with since=" + lastSent);
        }
      } else {
        overfull = 0;
      }
    }
  }
}
