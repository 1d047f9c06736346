package dev.coxswain.server.bench;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.JvmOptions;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.cluster.Cluster;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.server.control.ControlPlane;
import dev.coxswain.server.control.ControlServer;
import dev.coxswain.server.control.RunReplica;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figures for a trainer in another JVM joined to a control plane over the cluster (Hazelcast, TLS
 * event bus, loopback): POST to applied, the catch-up rate of a control plane that starts empty
 * beside a long-running trainer, and the trainer's step time joined against the same run alone.
 */
public final class ClusterBenchmark {
  private static final String TOKEN = ServerBenchmark.TOKEN;
  private static final Pattern TRAINING = Pattern.compile("training run (\\S+), joining");

  private ClusterBenchmark() {}

  /**
   * @param remote POST to applied for the joined trainer
   * @param caughtUp events a fresh control plane fetched from the trainer
   * @param catchUpPerSecond their rate
   * @param joinedStepMs median step time of the joined trainer (steps with no command)
   * @param aloneStepMs median step time of the same run trained alone (no cluster, no server)
   */
  public record Result(
      ServerBenchmark.Latency remote,
      long caughtUp,
      double catchUpPerSecond,
      double joinedStepMs,
      double aloneStepMs) {}

  /**
   * @param runArgs the trainer's run options ({@code --config}, {@code --corpus}), passed through
   */
  public static Result run(
      Path scratch, List<String> runArgs, int commands, int aloneSteps, Consumer<String> progress)
      throws Exception {
    Path creds = Credentials.ensure(scratch.resolve("cluster-credentials"));
    Credentials credentials = Credentials.load(creds, Map.of());
    int hz = freePort();
    Cluster.Options options = new Cluster.Options("127.0.0.1", hz, List.of(), "coxswain");
    Cluster.Clustered clustered = await(Cluster.start(options, credentials));
    ControlServer cs = await(controlServer(clustered, scratch.resolve("control"), credentials));
    List<String> join =
        new ArrayList<>(
            List.of(
                "train",
                "--join",
                "127.0.0.1:" + hz,
                "--cluster-credentials",
                creds.toString(),
                "--cluster-port",
                Integer.toString(freePort()),
                "--heartbeat-ms",
                "500",
                "--max-steps",
                "1000000",
                "--run-dir",
                scratch.resolve("trainer").toString()));
    join.addAll(runArgs);
    Process trainer = java(scratch.resolve("trainer.out"), join);
    try {
      String id = awaitOutput(trainer, scratch.resolve("trainer.out"), TRAINING, 300).group(1);
      progress.accept("  trainer joined as run " + id);
      RunStore replica = awaitReplica(cs, id, 120).store();
      while (replica.view().step() < 5) {
        LockSupport.parkNanos(10_000_000);
      }
      ServerBenchmark.Latency remote =
          ServerBenchmark.timeCommands(cs.port(), replica, id, commands, "rlat-", progress);
      progress.accept("  " + aloneSteps + " steps of the joined trainer without commands ...");
      double joinedMs = quietSteps(replica, aloneSteps);

      progress.accept("  a fresh control plane catches up ...");
      await(clustered.vertx().close());
      clustered = await(Cluster.start(options, credentials));
      ControlServer fresh =
          await(controlServer(clustered, scratch.resolve("control2"), credentials));
      RunReplica r = awaitReplica(fresh, id, 120);
      while (r.lastCatchUp().events() == 0) {
        LockSupport.parkNanos(1_000_000);
      }
      RunReplica.CatchUp first = r.lastCatchUp(); // the whole log, fetched page by page
      trainer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      await(clustered.vertx().close());

      progress.accept("  the same run alone, " + aloneSteps + " steps ...");
      List<String> alone =
          new ArrayList<>(
              List.of(
                  "train",
                  "--max-steps",
                  Integer.toString(aloneSteps),
                  "--run-dir",
                  scratch.resolve("alone").toString()));
      alone.addAll(runArgs);
      Process p = java(scratch.resolve("alone.out"), alone);
      if (!p.waitFor(1800, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "the lone run failed: " + Files.readString(scratch.resolve("alone.out")));
      }
      double aloneMs = medianStepMs(scratch.resolve("alone/events.jsonl"));
      return new Result(remote, first.events(), first.eventsPerSecond(), joinedMs, aloneMs);
    } finally {
      trainer.destroyForcibly();
    }
  }

  private static io.vertx.core.Future<ControlServer> controlServer(
      Cluster.Clustered clustered, Path root, Credentials credentials) {
    return ControlServer.start(
        clustered.vertx(),
        ApiOptions.defaults(TOKEN).withPort(0).withRate(1000, 1000),
        new ControlPlane.Options(root, credentials.signer(), 500, 3, null, Map.of()),
        Map.of());
  }

  private static RunReplica awaitReplica(ControlServer cs, String id, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      RunReplica r = cs.control().replica(id);
      if (r != null && cs.registry().live(id)) {
        return r;
      }
      LockSupport.parkNanos(1_000_000);
    }
    throw new IllegalStateException("run " + id + " did not join within " + seconds + " s");
  }

  /** The median step time over the next {@code n} steps (commands make steps slower: none here). */
  private static double quietSteps(RunStore replica, int n) throws InterruptedException {
    List<Double> ms = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(n);
    replica.addListener(
        e -> {
          if (e.type() == EventType.METRICS && done.getCount() > 0) {
            ms.add(((Payload.Metrics) e.body()).stepMillis());
            done.countDown();
          }
        });
    if (!done.await(1800, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the joined trainer made only " + ms.size() + " steps");
    }
    return ServerBenchmark.pct(ms, 50);
  }

  private static double medianStepMs(Path events) throws IOException {
    List<Double> ms = new ArrayList<>();
    for (String line : Files.readAllLines(events)) {
      if (line.isBlank()) {
        continue;
      }
      Event e = Json.read(line, Event.class);
      if (e.type() == EventType.METRICS && e.step() > 3) { // the first steps warm up
        ms.add(((Payload.Metrics) e.body()).stepMillis());
      }
    }
    return ServerBenchmark.pct(ms, 50);
  }

  /** This program in another JVM (same class path), output to a file. */
  private static Process java(Path out, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JvmOptions.required());
    cmd.addAll(
        List.of(
            "-Dai.djl.pytorch.num_threads=1",
            "-Xmx1g",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.coxswain.server.Main"));
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
  }

  private static Matcher awaitOutput(Process p, Path out, Pattern pattern, long seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      Matcher m = pattern.matcher(Files.readString(out));
      if (m.find()) {
        return m;
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("the trainer exited: " + Files.readString(out));
      }
      p.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new IllegalStateException("the trainer did not start within " + seconds + " s");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
  }
}
