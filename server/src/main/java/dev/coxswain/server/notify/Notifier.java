package dev.coxswain.server.notify;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.time.Instant;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a small JSON message to a URL when a run finishes, fails or stops, stalls (no step for a
 * while), or raises a health event. A failed post is retried with backoff and then logged; it never
 * touches training.
 */
public final class Notifier extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

  /**
   * @param url where to post
   * @param stallSeconds a running run with no step for this long is reported as stalled
   * @param attempts tries per message
   * @param backoffMillis wait before the first retry, doubled each time
   */
  public record Options(String url, long stallSeconds, int attempts, long backoffMillis) {
    public Options {
      URI u = URI.create(url);
      if (u.getScheme() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getHost() == null) {
        throw new IllegalArgumentException(
            "--notify-url must be an http(s) URL with a host, got '" + url + "'");
      }
      if (stallSeconds < 1 || attempts < 1 || backoffMillis < 1) {
        throw new IllegalArgumentException("stall seconds, attempts and backoff must be positive");
      }
    }
  }

  private final Options options;
  private final RunStore store;
  private final Consumer<Event> listener = this::fromAnyThread;
  private WebClient client;
  private String status = "created";
  private long lastProgressNanos = System.nanoTime();
  private boolean stallReported;
  private long timer;
  private boolean stopped;

  public Notifier(Options options, RunStore store) {
    this.options = options;
    this.store = store;
  }

  @Override
  public Future<?> start() {
    client =
        WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5000).setIdleTimeout(10));
    store.addListener(listener);
    timer = vertx.setPeriodic(1000, t -> checkStall());
    return Future.succeededFuture();
  }

  // Events arrive on the training thread; handle them on this verticle's context.
  private void fromAnyThread(Event e) {
    context.runOnContext(
        v -> {
          try {
            onEvent(e);
          } catch (MalformedPayloadException bad) {
            LOG.warn(
                "run {} seq {}: no notification for it ({})", e.run(), e.seq(), bad.getMessage());
          }
        });
  }

  private void onEvent(Event e) {
    switch (e.type()) {
      case METRICS -> {
        lastProgressNanos = System.nanoTime();
        stallReported = false;
      }
      case STATUS -> {
        Payload.Status p = (Payload.Status) e.body();
        status = p.status();
        lastProgressNanos = System.nanoTime();
        if (status.equals("finished") || status.equals("failed") || status.equals("stopped")) {
          send(
              e,
              status,
              "run "
                  + e.run()
                  + " "
                  + status
                  + " at step "
                  + e.step()
                  + (p.error() != null ? ": " + p.error() : ""));
        }
      }
      case HEALTH ->
          send(
              e,
              "health",
              "run "
                  + e.run()
                  + " health event '"
                  + ((Payload.Health) e.body()).kind()
                  + "' at step "
                  + e.step());
      default -> {}
    }
  }

  /**
   * Sends a message of the control plane's own about the run (e.g. its trainer is lost). Any
   * thread.
   */
  public void tell(String kind, String text) {
    context.runOnContext(v -> post(message(kind, text, null), 1));
  }

  private void checkStall() {
    long idle = (System.nanoTime() - lastProgressNanos) / 1_000_000_000L;
    if (status.equals("running") && !stallReported && idle >= options.stallSeconds()) {
      stallReported = true;
      JsonObject m =
          message("stalled", "run " + store.runId() + " made no step for " + idle + " s", null);
      post(m, 1);
    }
  }

  private void send(Event e, String kind, String text) {
    JsonObject m = message(kind, text, e);
    post(m, 1);
  }

  private JsonObject message(String kind, String text, Event e) {
    JsonObject m =
        new JsonObject()
            .put("run", store.runId())
            .put("kind", kind)
            .put("message", text)
            .put("time", Instant.now().toString());
    if (e != null) {
      m.put("step", e.step()).put("branch", e.branch()).put("seq", e.seq());
    }
    return m;
  }

  private void post(JsonObject m, int attempt) {
    if (stopped) {
      return; // a retry that outlived the server
    }
    client
        .postAbs(options.url())
        .timeout(10_000)
        .sendJsonObject(m)
        .onComplete(
            ar -> {
              boolean ok = ar.succeeded() && ar.result().statusCode() / 100 == 2;
              if (ok) {
                return;
              }
              String why =
                  ar.succeeded()
                      ? "HTTP " + ar.result().statusCode()
                      : ar.cause().getClass().getSimpleName();
              if (attempt < options.attempts()) {
                vertx.setTimer(options.backoffMillis() << (attempt - 1), t -> post(m, attempt + 1));
              } else {
                // the host only: a URL's query string may carry a secret
                LOG.warn(
                    "notification '{}' to {} failed after {} attempts ({})",
                    m.getString("kind"),
                    URI.create(options.url()).getHost(),
                    attempt,
                    why);
              }
            });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    store.removeListener(listener);
    vertx.cancelTimer(timer);
    client.close();
    return Future.succeededFuture();
  }
}
