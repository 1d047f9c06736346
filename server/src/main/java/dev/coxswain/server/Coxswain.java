package dev.coxswain.server;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.cluster.Cluster;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.server.node.JoinedTrainer;
import dev.coxswain.trainer.RunLauncher;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.loop.OwnLoop;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Your own DJL training with the whole product around it, in your JVM: the HTTP API, the web
 * console and the supervising agent, joined to the trainer by the event bus exactly as {@code
 * coxswain serve} does it.
 *
 * <pre>{@code
 * try (Coxswain c = Coxswain.builder(workload, config).optAgent("rule", 50).serve()) {
 *   System.out.println("console: " + c.consoleUrl());
 *   RunOutcome end = c.awaitEnd();
 * }
 * }</pre>
 *
 * <p>Or trained here and attached to a control plane elsewhere ({@code coxswain server}), whose
 * console and agent then serve the run: {@code builder(workload, config).join("gpu-box:5701",
 * credentialsDir)}.
 */
public final class Coxswain implements AutoCloseable {
  private final CoxswainServer server; // served here, or
  private final JoinedTrainer joined; // trained here, served by a control plane elsewhere
  private final String token;
  private final String host;

  private Coxswain(CoxswainServer server, JoinedTrainer joined, String token, String host) {
    this.server = server;
    this.joined = joined;
    this.token = token;
    this.host = host;
  }

  /** Starts describing a served run of this workload; {@code setX} required, {@code optX} not. */
  public static Builder builder(Workload workload, TrainerConfig config) {
    Objects.requireNonNull(workload, "workload");
    return new Builder(
        RunLauncher.of(workload, config),
        config,
        RunSpec.runJson(
            config.runId(),
            workload,
            settings(config),
            Map.of("device", Json.toMap(RunSpec.deviceOf(config).section()))));
  }

  /**
   * Starts describing a served run of a loop of its own ({@link OwnLoop}): its knobs, actions,
   * checkpoints and evaluation under the console and the agent.
   */
  public static Builder builder(OwnLoop loop, TrainerConfig config) {
    Objects.requireNonNull(loop, "loop");
    return new Builder(
        RunLauncher.of(loop, config),
        config,
        RunSpec.runJson(config.runId(), loop, settings(config), Map.of()));
  }

  private static Map<String, Object> settings(TrainerConfig config) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("max_steps", config.maxSteps());
    cfg.put("seed", config.seed());
    cfg.put("lr", config.lr());
    return cfg;
  }

  /**
   * The console's address, with the token in the fragment (never sent to a server).
   *
   * @throws IllegalStateException for a joined run: its console is the control plane's
   */
  public String consoleUrl() {
    return "http://" + host + ":" + served().port() + "/#token=" + token;
  }

  /** The API's port (served runs only). */
  public int port() {
    return served().port();
  }

  /** The token mutating calls need ({@code Authorization: Bearer <token>}; served runs only). */
  public String token() {
    served();
    return token;
  }

  /** Whether this run is attached to a control plane elsewhere rather than served here. */
  public boolean joined() {
    return joined != null;
  }

  public String runId() {
    return joined != null ? joined.store().runId() : server.store().runId();
  }

  /** The run's directory (its log and checkpoints), here in either mode. */
  public Path runDirectory() {
    return joined != null ? joined.store().dir() : server.store().dir();
  }

  /** The run's agent, or null without one (a joined run's agent is the control plane's). */
  public Supervisor supervisor() {
    return joined != null ? null : server.supervisor();
  }

  private CoxswainServer served() {
    if (server == null) {
      throw new IllegalStateException(
          "run " + runId() + " is joined to a control plane: its console and API are there");
    }
    return server;
  }

  private io.vertx.core.Future<RunOutcome> finished() {
    return joined != null ? joined.finished() : server.host().finished();
  }

  /** Waits until the training loop ends (max steps, or a stop from the console or the agent). */
  public RunOutcome awaitEnd() throws Exception {
    return finished().toCompletionStage().toCompletableFuture().get();
  }

  /** Waits at most {@code seconds}. */
  public RunOutcome awaitEnd(long seconds) throws Exception {
    return finished().toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  /** Stops the run at the next step boundary (it checkpoints), then the server or the member. */
  @Override
  public void close() {
    if (joined != null) {
      joined.close();
    } else {
      server.shutdown("closed by the program");
    }
  }

  /** Describes a served run. */
  public static final class Builder {
    private final RunLauncher launcher;
    private final TrainerConfig config;
    private final Map<String, Object> runJson;
    private Path runsRoot = Path.of("runs");
    private String host = "127.0.0.1";
    private int port = 7007;
    private String token;
    private Map<String, Object> agentSection; // null: no agent

    private Builder(RunLauncher launcher, TrainerConfig config, Map<String, Object> runJson) {
      this.launcher = launcher;
      this.config = Objects.requireNonNull(config, "config");
      this.runJson = runJson;
    }

    /** Where run directories go (default {@code runs}); the run's is {@code <root>/<run id>}. */
    public Builder optRunsRoot(Path root) {
      this.runsRoot = root;
      return this;
    }

    /** The interface to listen on (default loopback) and the port (default 7007; 0 picks one). */
    public Builder optListen(String host, int port) {
      this.host = host;
      this.port = port;
      return this;
    }

    /** The token (default: COXSWAIN_TOKEN, else a random one). */
    public Builder optToken(String token) {
      this.token = token;
      return this;
    }

    /**
     * A supervising agent: {@code rule} (no LLM) or {@code openai} (o4-mini with OPENAI_API_KEY,
     * OPENAI_BASE_URL for another compatible endpoint), deciding every {@code every} steps with the
     * {@code lr-recovery} prompt. Default: none.
     */
    public Builder optAgent(String mode, int every) {
      if (!mode.equals("rule") && !mode.equals("openai")) {
        throw new IllegalArgumentException("agent mode must be rule or openai, got '" + mode + "'");
      }
      if (every < 1) {
        throw new IllegalArgumentException("the agent decides every N >= 1 steps, got " + every);
      }
      Map<String, Object> section = new LinkedHashMap<>();
      section.put("mode", mode);
      section.put("every", every);
      section.put("prompt", "lr-recovery");
      this.agentSection = section;
      return this;
    }

    /**
     * Starts serving and training (on a thread of its own).
     *
     * @throws IOException when the run's directory already holds a run: give the run its own id
     *     with {@code TrainerConfig.builder().optRunId(...)}
     */
    public Coxswain serve() throws Exception {
      // an OpenAI agent needs its key here, in this JVM: said before anything is created
      AgentSettings agent =
          agentSection == null ? null : AgentSettings.fromRunJson(agentSection, System.getenv());
      RunStore store = createStore(agent == null ? Map.of("mode", "off") : agent.describe());
      String t = ApiOptions.tokenOrRandom(token != null ? token : System.getenv("COXSWAIN_TOKEN"));
      CoxswainServer server =
          CoxswainServer.start(
              ApiOptions.defaults(t).withHost(host).withPort(port),
              runsRoot,
              store,
              launcher,
              null,
              null,
              agent);
      return new Coxswain(server, null, t, host);
    }

    /**
     * Starts training here as a member of the cluster of the control plane at {@code hostPort} (its
     * cluster port, e.g. {@code gpu-box:5701}); the run appears in that control plane's console,
     * and its agent (if the control plane runs one) steers it. The run directory stays here. This
     * member binds {@code optListen}'s host (loopback by default: a control plane on another
     * machine needs this machine's address) and the first free cluster port from 5702.
     *
     * @param credentials a copy of the directory the control plane made ({@code
     *     runs/cluster-credentials}): its secret and TLS keys
     * @throws IllegalArgumentException for an address that is not HOST:PORT
     * @throws IOException when the credentials cannot be read, the run's directory is taken, or the
     *     cluster member cannot start
     */
    public Coxswain join(String hostPort, Path credentials) throws Exception {
      String member = Cluster.member(hostPort);
      Credentials keys = Credentials.load(credentials, System.getenv());
      // the run's spec names its agent; the control plane runs it, with its own key
      RunStore store = createStore(agentSection == null ? Map.of("mode", "off") : agentSection);
      JoinedTrainer joined =
          JoinedTrainer.start(
              store,
              launcher,
              null,
              keys,
              new Cluster.Options(host, Cluster.DEFAULT_PORT + 1, List.of(member), Cluster.NAME),
              1000);
      return new Coxswain(null, joined, null, host);
    }

    private RunStore createStore(Map<String, Object> agentSection) throws IOException {
      String id = config.runId();
      Map<String, Object> json = new LinkedHashMap<>(runJson);
      json.put("agent", agentSection);
      Path dir = runsRoot.resolve(id);
      try {
        return RunStore.create(dir, json);
      } catch (FileAlreadyExistsException e) {
        throw new IOException(
            dir + " already holds a run: give this one its own id with TrainerConfig.optRunId");
      }
    }
  }
}
