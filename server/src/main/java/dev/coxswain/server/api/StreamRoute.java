package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.json;
import static dev.coxswain.server.api.Replies.longParam;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.bus.Addresses;
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

  /** Messages written past a full write queue before a client that does not read is closed. */
  private static final int SLOW_CLIENT_LIMIT = 256;

  /** Live events held while a client's replay runs; past it they are read from the log instead. */
  private static final int BUFFER_LIMIT = 2_000;

  /** Stream clients per run and in all: each costs a write queue and a feed consumer. */
  static final int MAX_PER_RUN = 100;

  static final int MAX_TOTAL = 400;

  private final java.util.concurrent.ConcurrentHashMap<
          String, java.util.concurrent.atomic.AtomicInteger>
      perRun = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger total =
      new java.util.concurrent.atomic.AtomicInteger();

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
    if (found.isEmpty() || since == null || !originAllowed(ctx)) {
      return;
    }
    RunStore store = found.get();
    Runnable release = admit(ctx, store.runId());
    if (release == null) {
      return;
    }
    boolean headerOk = access.tokenMatches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
    ctx.request()
        .toWebSocket()
        .onFailure(err -> release.run())
        .onSuccess(
            ws -> {
              ws.closeHandler(v -> release.run());
              Runnable subscribe = () -> new Subscriber(store, ws, since, release).start();
              if (!options.privateReads() || headerOk) {
                subscribe.run();
              } else {
                awaitToken(ws, subscribe);
              }
            });
  }

  /** A page of another site (or an opaque "null" origin) must not read the run: refused. */
  private boolean originAllowed(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null || options.corsOrigins().contains(origin) || Origins.same(ctx.request())) {
      return true;
    }
    Replies.error(
        ctx,
        403,
        "a WebSocket from origin '"
            + (origin.length() > 100 ? origin.substring(0, 100) + "..." : origin)
            + "' is refused: only the console's own origin or a --cors-origin may read the stream",
        "Origin");
    return false;
  }

  /**
   * Takes one of the run's stream places, and one of all; refuses (503) when either is full.
   *
   * @return gives the places back (once, however often it runs); null when refused
   */
  private Runnable admit(RoutingContext ctx, String runId) {
    java.util.concurrent.atomic.AtomicInteger mine =
        perRun.computeIfAbsent(runId, k -> new java.util.concurrent.atomic.AtomicInteger());
    if (mine.incrementAndGet() > MAX_PER_RUN | total.incrementAndGet() > MAX_TOTAL) {
      mine.decrementAndGet();
      total.decrementAndGet();
      ctx.response().putHeader("Retry-After", "10");
      Replies.error(
          ctx,
          503,
          "too many stream clients (at most "
              + MAX_PER_RUN
              + " per run and "
              + MAX_TOTAL
              + " in all); close another tab or try again later",
          null);
      return null;
    }
    java.util.concurrent.atomic.AtomicBoolean released =
        new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        mine.decrementAndGet();
        total.decrementAndGet();
      }
    };
  }

  /** With --private and no token in the header: the first message must be {"token": "..."}. */
  private void awaitToken(ServerWebSocket ws, Runnable subscribe) {
    // nothing is sent before it
    long timer = vertx.setTimer(5000, t -> ws.close((short) 1008, "send {\"token\": ...} first"));
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
            subscribe.run();
          } else {
            ws.close((short) 1008, "missing or wrong token");
          }
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
    private boolean gone; // closed by us or the client: nothing more is written or read for it
    private boolean missedLive; // live events dropped from the buffer: the log has them

    private final Runnable release;

    Subscriber(RunStore store, ServerWebSocket ws, long since, Runnable release) {
      this.store = store;
      this.ws = ws;
      this.lastSent = since;
      this.release = release;
    }

    void start() {
      // Subscribe to live events BEFORE reading the replay, so nothing falls between the two.
      consumer = vertx.eventBus().localConsumer(Addresses.feed(store.runId()));
      consumer.handler(
          msg -> {
            long seq = Long.parseLong(msg.headers().get("seq"));
            if (replaying) {
              if (buffered.size() < BUFFER_LIMIT) {
                buffered.add(msg.body());
                bufferedSeq.add(seq);
              } else {
                missedLive = true; // a long replay: read these from the log after it
              }
            } else {
              send(seq, msg.body());
            }
          });
      ws.closeHandler(
          v -> {
            consumer.unregister();
            buffered.clear();
            release.run();
          });
      consumer.completion().onSuccess(v -> replayPage());
    }

    private void replayPage() {
      if (gone || ws.isClosed()) {
        return;
      }
      if (ws.writeQueueFull()) {
        // the replay waits for the client to read: a client that never reads holds one page
        ws.drainHandler(
            v -> {
              ws.drainHandler(null);
              replayPage();
            });
        return;
      }
      vertx
          .executeBlocking(() -> store.since(lastSent, PAGE), false)
          .onSuccess(
              page -> {
                for (Event e : page) {
                  send(e.seq(), Json.write(e));
                }
                if (gone || ws.isClosed()) {
                  return;
                }
                if (page.size() == PAGE || missedLive) {
                  missedLive = false;
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
      if (gone || seq <= lastSent || ws.isClosed()) {
        return; // already sent during the replay
      }
      ws.writeTextMessage(json);
      lastSent = seq;
      if (ws.writeQueueFull()) {
        if (!replaying && ++overfull > SLOW_CLIENT_LIMIT) {
          // never drop silently: close, and let the client resume from what it has; from now on
          // nothing more is queued for it (the close itself waits behind what it did not read)
          gone = true;
          consumer.unregister();
          buffered.clear();
          ws.close((short) 1013, "client too slow; reconnect with since=" + lastSent);
        }
      } else {
        overfull = 0;
      }
    }
  }
}
