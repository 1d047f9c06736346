package dev.coxswain.server.cli;

import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.cluster.Cluster;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.server.cluster.MemberWatch;
import dev.coxswain.server.control.ControlPlane;
import dev.coxswain.server.control.ControlServer;
import dev.coxswain.server.metrics.Telemetry;
import dev.coxswain.server.notify.Notifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coxswain server}: the control plane alone (HTTP API, console, the runs' replicas, their
 * agents, notifications); trainers join it with {@code train --join HOST:PORT}.
 */
@Command(
    name = "server",
    header = "a control plane alone; trainers join it (train --join)",
    mixinStandardHelpOptions = true,
    description =
        "Run the control plane alone: trainers elsewhere join it with `train --join HOST:CLUSTER_PORT`.")
public final class ServerCommand implements Callable<Integer> {
  @Mixin ServerOptions server = new ServerOptions();

  @Mixin ClusterOptions cluster = new ClusterOptions();

  @Option(
      names = "--cluster-port",
      description = "the cluster (Hazelcast) port trainers join (default ${DEFAULT-VALUE})")
  int clusterPort = Cluster.DEFAULT_PORT;

  @Option(
      names = "--runs",
      paramLabel = "DIR",
      description =
          "where the runs' replicas and agent journals are kept (default ${DEFAULT-VALUE})")
  Path runs = Path.of("runs");

  @Option(
      names = "--heartbeat-ms",
      description =
          "the trainers' heartbeat interval; a run is lost after 3 missed (default ${DEFAULT-VALUE})")
  long heartbeatMillis = 1000;

  /** The control plane's kept API token, in its runs directory (never in a run's own). */
  static final String TOKEN_FILE = "control-plane-token";

  @Override
  public Integer call() throws Exception {
    Notifier.Options notify;
    Credentials credentials;
    Path credentialsDir = cluster.credentials;
    String envToken = System.getenv("COXSWAIN_TOKEN");
    String token;
    ApiOptions api;
    try {
      server.api(
          ApiOptions.tokenOrRandom(envToken), null); // the options checked before anything is made
      notify = server.notifier();
      if (credentialsDir == null) {
        // none given: this control plane makes its cluster's credentials once and keeps them
        credentialsDir = Credentials.ensure(runs.resolve("cluster-credentials"));
      }
      credentials = Credentials.load(credentialsDir, System.getenv());
      // its token is kept too (owner-only), so a console tab left open works after a restart
      Files.createDirectories(runs);
      token = RunToken.resolveIn(envToken, runs.resolve(TOKEN_FILE));
      api = server.api(token, null);
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    Cluster.Clustered clustered;
    ControlServer cs;
    Telemetry telemetry = Telemetry.create(); // GET /metrics: the runs, their agents, Vert.x
    try {
      clustered =
          Cluster.start(cluster.options(clusterPort, List.of()), credentials, telemetry)
              .toCompletionStage()
              .toCompletableFuture()
              .get(120, TimeUnit.SECONDS);
      cs =
          ControlServer.start(
                  clustered.vertx(),
                  api,
                  new ControlPlane.Options(
                      runs, credentials.signer(), heartbeatMillis, 3, notify, System.getenv()),
                  Map.of(),
                  telemetry)
              .toCompletionStage()
              .toCompletableFuture()
              .get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      System.err.println("error: cannot start the control plane: " + root.getMessage());
      return 2;
    }
    MemberWatch.attach(clustered, cs.control(), 15_000);
    int hz =
        clustered
            .manager()
            .getHazelcastInstance()
            .getCluster()
            .getLocalMember()
            .getAddress()
            .getPort();
    String url = "http://" + server.host + ":" + cs.port() + "/";
    announce(url, hz, credentialsDir);
    Serving.printConsole(url, envToken, token);
    awaitShutdown(clustered, cs);
    return 0;
  }

  /** The lines a person needs: where the console is, and how a trainer joins. */
  private void announce(String url, int hz, Path credentialsDir) {
    System.out.println(
        "coxswain: control plane on " + url + ", cluster on " + cluster.host + ":" + hz);
    System.out.println(
        "coxswain: trainers join with: train --join "
            + cluster.host
            + ":"
            + hz
            + " --cluster-credentials "
            + credentialsDir.toAbsolutePath()
            + " (copy that directory to each trainer's machine)");
  }

  /** Holds until the JVM shuts down, then closes the cluster and the runs' links. */
  private static void awaitShutdown(Cluster.Clustered clustered, ControlServer cs)
      throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    clustered
                        .vertx()
                        .close()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    System.err.println("coxswain: shutdown: " + e);
                  } finally {
                    cs.registry().closeAll();
                    done.countDown();
                  }
                },
                "coxswain-shutdown"));
    done.await();
  }
}
