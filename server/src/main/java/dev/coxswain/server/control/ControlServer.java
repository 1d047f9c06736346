package dev.coxswain.server.control;

import dev.coxswain.run.RunRegistry;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.api.ApiVerticle;
import dev.coxswain.server.metrics.Telemetry;
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
   * Deploys the control plane and the API, with metrics of the runs and their agents only (none of
   * Vert.x's own: {@code vertx} was built without them).
   *
   * @param local runs this process trains itself (all-in-one), by id
   */
  public static Future<ControlServer> start(
      Vertx vertx,
      ApiOptions api,
      ControlPlane.Options options,
      Map<String, ControlPlane.LocalRun> local) {
    return start(vertx, api, options, local, Telemetry.create());
  }

  /**
   * Deploys the control plane and the API; {@code GET /metrics} serves {@code telemetry}, which
   * gets the meters of every run this control plane knows (and of their agents).
   *
   * @param local runs this process trains itself (all-in-one), by id
   * @param telemetry the registry {@code vertx} was built with (see {@link Telemetry#vertx})
   */
  public static Future<ControlServer> start(
      Vertx vertx,
      ApiOptions api,
      ControlPlane.Options options,
      Map<String, ControlPlane.LocalRun> local,
      Telemetry telemetry) {
    RunRegistry registry = new RunRegistry();
    ControlPlane control = new ControlPlane(registry, options, local);
    telemetry.bind(registry, control::supervisor); // before the scan: runs on disk get meters too
    registry.scan(options.root());
    ApiVerticle http = new ApiVerticle(registry, api, options.signer(), telemetry);
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
