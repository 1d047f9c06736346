package dev.coxswain.server.control;

import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.api.ApiVerticle;
import dev.coxswain.server.run.RunRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.util.Map;

/**
 * A control plane on a Vert.x (local or clustered): the runs it knew (found on disk), the {@link
 * ControlPlane} that takes trainers and keeps their replicas and agents, and the HTTP API.
 */
public final class ControlServer {
  private final RunRegistry registry;
  private final ControlPlane control;
  private final ApiVerticle api;

  private ControlServer(RunRegistry registry, ControlPlane control, ApiVerticle api) {
    this.registry = registry;
    this.control = control;
    this.api = api;
  }

  /**
   * Deploys the control plane and the API.
   *
   * @param local runs this process trains itself (all-in-one), by id
   */
  public static Future<ControlServer> start(
      Vertx vertx,
      ApiOptions api,
      ControlPlane.Options options,
      Map<String, ControlPlane.LocalRun> local) {
    RunRegistry registry = new RunRegistry();
    registry.scan(options.root());
    ControlPlane control = new ControlPlane(registry, options, local);
    ApiVerticle http = new ApiVerticle(registry, api, options.signer());
    return vertx
        .deployVerticle(control, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
        .compose(id -> vertx.deployVerticle(http))
        .map(id -> new ControlServer(registry, control, http));
  }

  public ControlPlane control() {
    return control;
  }

  public RunRegistry registry() {
    return registry;
  }

  public int port() {
    return api.port();
  }
}
