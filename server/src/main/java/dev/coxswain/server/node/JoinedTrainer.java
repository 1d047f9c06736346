package dev.coxswain.server.node;

import dev.coxswain.run.RunStore;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.Wire;
import dev.coxswain.server.cluster.Cluster;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.trainer.RunLauncher;
import dev.coxswain.trainer.RunOutcome;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A run trained in this process as a member of a control plane's cluster: the run directory, its
 * log and its checkpoints stay here, and training never waits for the control plane, which may come
 * and go (the node rejoins with backoff). Used by {@code train --join}, {@code resume --join} and
 * the library's {@code Coxswain.builder(...).join(...)}.
 */
public final class JoinedTrainer implements AutoCloseable {
  private final Cluster.Clustered clustered;
  private final TrainerNode node;
  private final RunStore store;

  private JoinedTrainer(Cluster.Clustered clustered, TrainerNode node, RunStore store) {
    this.clustered = clustered;
    this.node = node;
    this.store = store;
  }

  /**
   * Joins the cluster and starts training. On failure nothing is left running and the store is
   * closed.
   *
   * @param resumeFrom the checkpoint to resume from, or null for a fresh run
   * @throws IOException naming what failed: the cluster member could not start (an unreachable
   *     address, a port in use), or the run did not start
   */
  public static JoinedTrainer start(
      RunStore store,
      RunLauncher launcher,
      String resumeFrom,
      Credentials credentials,
      Cluster.Options cluster,
      long heartbeatMillis)
      throws IOException, InterruptedException {
    Cluster.Clustered clustered;
    try {
      clustered = await(Cluster.start(cluster, credentials), 120);
    } catch (IOException e) {
      store.close();
      throw new IOException(
          "cannot start a cluster member on " + cluster.host() + ": " + e.getMessage(), e);
    }
    hello(clustered, credentials);
    TrainerNode node =
        new TrainerNode(
            store,
            launcher,
            resumeFrom,
            new TrainerNode.Options(
                heartbeatMillis, credentials.signer(), clustered.manager().getNodeId()));
    try {
      await(
          clustered
              .vertx()
              .deployVerticle(
                  node, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)),
          300);
    } catch (IOException e) {
      clustered.vertx().close();
      store.close();
      throw new IOException("the run did not start: " + e.getMessage(), e);
    }
    return new JoinedTrainer(clustered, node, store);
  }

  // says at once who this member is, before the trainer is built: the control plane watches for
  // members it does not expect
  private static void hello(Cluster.Clustered clustered, Credentials credentials) {
    String body = new Wire.Hello(clustered.manager().getNodeId()).toJson();
    clustered
        .vertx()
        .eventBus()
        .request(Addresses.HELLO, body, credentials.signer().signed(body, 5000));
  }

  private static <T> T await(Future<T> f, long seconds) throws IOException, InterruptedException {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new IOException(root.getMessage(), root);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("no answer within " + seconds + " s", e);
    }
  }

  public RunStore store() {
    return store;
  }

  /** Completes when the training loop ends: its last step, or a stop from anywhere. */
  public Future<RunOutcome> finished() {
    return node.finished();
  }

  /** Stops the run at the next step boundary (it checkpoints); false if it did not end in time. */
  public boolean stopAndWait(String reason, long seconds) throws InterruptedException {
    return node.stopAndWait(reason, seconds);
  }

  /**
   * Stops the run if it still trains, sends a last heartbeat, leaves the cluster, closes the log.
   */
  @Override
  public void close() {
    try {
      node.stopAndWait("closed by the program", 120);
      await(clustered.vertx().close(), 60);
    } catch (IOException e) {
      // leaving the cluster failed: the process is ending, the log is what matters
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      store.close();
    }
  }
}
