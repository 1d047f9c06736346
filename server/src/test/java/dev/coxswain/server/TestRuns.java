package dev.coxswain.server;

import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.notify.Notifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Real servers for tests: a tiny GPT on a small corpus, served on a random loopback port. */
public final class TestRuns {
  public static final String TOKEN = "test-token-5a8f0e2b9c";

  private TestRuns() {}

  /** Four small documents; every fourth is validation text. */
  public static Path corpus(Path dir) throws IOException {
    Path c = dir.resolve("corpus");
    Files.createDirectories(c);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      sb.append("The state of the union is strong, and the crew rows on. ");
    }
    for (int i = 0; i < 4; i++) {
      Files.writeString(c.resolve("doc" + i + ".txt"), sb.toString() + i);
    }
    return c;
  }

  /** A YAML config for a tiny, fast model. */
  public static Path config(Path dir, long maxSteps, int checkpointEvery) throws IOException {
    Path f = dir.resolve("tiny.yaml");
    Files.writeString(
        f,
        "max_steps: "
            + maxSteps
            + "\n"
            + "eval_every: 50\n"
            + "checkpoint_every: "
            + checkpointEvery
            + "\n"
            + "model: {layers: 1, embed: 16, heads: 2, context: 8}\n"
            + "data: {corpus: "
            + corpus(dir)
            + ", holdout_every: 4, batch_size: 4, validation_batches: 1}\n");
    return f;
  }

  /** A running server in this JVM. */
  public static CoxswainServer start(
      Path dir, long maxSteps, ApiOptions options, Notifier.Options notify) throws Exception {
    RunConfig cfg =
        RunConfig.load(config(dir, maxSteps, 50)).withOverrides("t1", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, maxSteps, Map.of("agent", Map.of("mode", "off")));
    RunStore store = RunStore.create(dir.resolve("runs/t1"), spec.runJson());
    return CoxswainServer.start(options, dir.resolve("runs"), store, spec, null, notify);
  }

  public static CoxswainServer start(Path dir, long maxSteps) throws Exception {
    return start(dir, maxSteps, ApiOptions.defaults(TOKEN).withPort(0), null);
  }

  /**
   * The contents of every regular file under a directory that a live trainer is writing: a file or
   * folder that vanishes during the walk (a checkpoint's temporary folder being renamed into place)
   * is skipped, not an error.
   */
  public static Map<Path, String> filesUnder(Path root) throws IOException {
    Map<Path, String> out = new java.util.TreeMap<>();
    Files.walkFileTree(
        root,
        new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult visitFile(
              Path f, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
            if (attrs.isRegularFile()) {
              try {
                out.put(
                    f,
                    new String(
                        Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1));
              } catch (java.nio.file.NoSuchFileException gone) {
                // renamed or removed after it was listed
              }
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e)
              throws IOException {
            if (e instanceof java.nio.file.NoSuchFileException) {
              return java.nio.file.FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
    return out;
  }

  /** A port nothing listens on now (the OS's pick). */
  public static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A small blocking HTTP client. */
  public static final class Http {
    private final HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public Http(int port) {
      this.base = "http://127.0.0.1:" + port;
    }

    public HttpResponse<String> get(String path) throws Exception {
      return client.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .timeout(Duration.ofSeconds(20))
              .GET()
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    /** A GET with these headers (Authorization, Accept, ...). */
    public HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).GET();
      headers.forEach(b::header);
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String body, String token) throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base + path))
              .timeout(Duration.ofSeconds(20))
              .POST(HttpRequest.BodyPublishers.ofString(body));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> command(String run, String json) throws Exception {
      return post("/api/runs/" + run + "/commands", json, TOKEN);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> json(HttpResponse<String> r) throws Exception {
      return Json.mapper().readValue(r.body(), Map.class);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> state(String run) throws Exception {
      return json(get("/api/runs/" + run));
    }

    /** Waits until the run's knob has this value (a command was applied). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> awaitKnob(String run, String knob, double value, long seconds)
        throws Exception {
      return awaitState(
          run,
          s ->
              ((List<Map<String, Object>>) s.get("knobs"))
                  .stream()
                      .anyMatch(
                          k ->
                              knob.equals(k.get("name"))
                                  && ((Number) k.get("value")).doubleValue() == value),
          seconds);
    }

    /** Polls the run state until it matches (bounded). */
    public Map<String, Object> awaitState(
        String run, Predicate<Map<String, Object>> p, long seconds) throws Exception {
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      Map<String, Object> s = state(run);
      while (!p.test(s)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("state never matched within " + seconds + " s: " + s);
        }
        Thread.onSpinWait();
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        s = state(run);
      }
      return s;
    }
  }
}
