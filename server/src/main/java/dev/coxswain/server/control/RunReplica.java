package dev.coxswain.server.control;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's copy of one run's log. It appends the trainer's events in the trainer's order
 * and numbering: live ones as they are published, and, whenever it is behind (it started late, it
 * missed some, a heartbeat says there are more), the missing ones fetched page by page from the
 * trainer. Every client of the control plane reads the replica, so each sees every event once. All
 * of its work runs on one event-loop context.
 */
public final class RunReplica {
  private static final Logger LOG = LoggerFactory.getLogger(RunReplica.class);
  private static final int PAGE = 2000;

  private final Vertx vertx;
  private final RunStore store;
  private final CommandSigner signer;
  private MessageConsumer<String> live;
  private boolean catchingUp;
  private long eventsCaughtUp;
  private long catchUpStartNanos;
  private long catchUpEvents;
  private volatile CatchUp lastCatchUp = new CatchUp(0, 0);

  /** A finished catch-up: how many events it fetched and how long it took. */
  public record CatchUp(long events, long nanos) {
    public double eventsPerSecond() {
      return nanos == 0 ? 0 : events * 1e9 / nanos;
    }
  }

  public RunReplica(Vertx vertx, RunStore store, CommandSigner signer) {
    this.vertx = vertx;
    this.store = store;
    this.signer = signer;
  }

  public RunStore store() {
    return store;
  }

  /** Follows the run's events from now on and fetches what came before. Idempotent. */
  public void follow() {
    if (live == null) {
      live = vertx.eventBus().consumer(Addresses.events(store.runId()));
      live.handler(msg -> onLive(msg.body(), Long.parseLong(msg.headers().get("seq"))));
    }
    catchUp();
  }

  private void onLive(String json, long seq) {
    if (seq <= store.lastSeq()) {
      return; // held already (fetched by a catch-up)
    }
    if (catchingUp || seq != store.lastSeq() + 1) {
      catchUp(); // missed some: the page fetched brings this one too
      return;
    }
    try {
      store.replicate(Json.read(json, Event.class), json);
    } catch (Exception e) {
      LOG.warn("run {}: cannot append event {}: {}", store.runId(), seq, e.toString());
    }
  }

  /** Whether the trainer says it has events this replica lacks; if so, fetches them. */
  public void behind(long trainerLastSeq) {
    if (trainerLastSeq > store.lastSeq()) {
      catchUp();
    }
  }

  private void catchUp() {
    if (catchingUp) {
      return;
    }
    catchingUp = true;
    catchUpStartNanos = System.nanoTime();
    catchUpEvents = 0;
    page();
  }

  private void page() {
    String body = new Wire.ReplayRequest(store.lastSeq(), PAGE).toJson();
    vertx
        .eventBus()
        .<String>request(Addresses.replay(store.runId()), body, signer.signed(body, 30_000))
        .onSuccess(reply -> onPage(reply.body()))
        .onFailure(
            err -> {
              // the trainer is away; its next heartbeat (or rejoin) starts another catch-up
              catchingUp = false;
              LOG.debug("run {}: catch-up paused: {}", store.runId(), err.toString());
            });
  }

  private void onPage(String body) {
    int n = 0;
    long last;
    try {
      Wire.ReplayPage page = Wire.ReplayPage.decode(body);
      last = page.lastSeq();
      for (Event e : page.events()) {
        if (store.replicate(e, Json.write(e))) {
          n++;
        }
      }
    } catch (Exception e) {
      LOG.warn("run {}: bad catch-up page: {}", store.runId(), e.getMessage());
      catchingUp = false;
      return;
    }
    eventsCaughtUp += n;
    catchUpEvents += n;
    if (n > 0 && store.lastSeq() < last) {
      page();
    } else {
      catchingUp = false;
      if (catchUpEvents > 0) {
        lastCatchUp = new CatchUp(catchUpEvents, System.nanoTime() - catchUpStartNanos);
      }
    }
  }

  /** Events fetched by catch-ups so far (not counting live ones). */
  public long eventsCaughtUp() {
    return eventsCaughtUp;
  }

  /** The last catch-up that fetched anything. */
  public CatchUp lastCatchUp() {
    return lastCatchUp;
  }

  public boolean catchingUp() {
    return catchingUp;
  }

  /** Stops following (the replica's file stays). */
  public void close() {
    if (live != null) {
      live.unregister();
      live = null;
    }
  }
}
