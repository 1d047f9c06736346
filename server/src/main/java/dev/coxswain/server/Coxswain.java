package dev.coxswain.server;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.server.agent.AgentSettings;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.run.Provenance;
import dev.coxswain.server.run.RunSpec;
import dev.coxswain.server.run.RunStore;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
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
 */
public final class Coxswain implements AutoCloseable {
  private final CoxswainServer server;
  private final String token;
  private final String host;

  private Coxswain(CoxswainServer server, String token, String host) {
    this.server = server;
    this.token = token;
    this.host = host;
  }

  /** Starts describing a served run of this workload; {@code setX} required, {@code optX} not. */
  public static Builder builder(Workload workload, TrainerConfig config) {
    return new Builder(workload, config);
  }

  /** The console's address, with the token in the fragment (never sent to a server). */
  public String consoleUrl() {
    return "http://" + host + ":" + server.port() + "/#token=" + token;
  }

  public int port() {
    return server.port();
  }

  /** The token mutating calls need ({@code Authorization: Bearer <token>}). */
  public String token() {
    return token;
  }

  public String runId() {
    return server.store().runId();
  }

  /** The run's agent, or null without one. */
  public Supervisor supervisor() {
    return server.supervisor();
  }

  /** Waits until the training loop ends (max steps, or a stop from the console or the agent). */
  public RunOutcome awaitEnd() throws Exception {
    return server.host().finished().toCompletionStage().toCompletableFuture().get();
  }

  /** Waits at most {@code seconds}. */
  public RunOutcome awaitEnd(long seconds) throws Exception {
    return server
        .host()
        .finished()
        .toCompletionStage()
        .toCompletableFuture()
        .get(seconds, TimeUnit.SECONDS);
  }

  /** Stops the run at the next step boundary (it checkpoints), then the server. */
  @Override
  public void close() {
    server.shutdown("closed by the program");
  }

  /** Describes a served run. */
  public static final class Builder {
    private final Workload workload;
    private final TrainerConfig config;
    private Path runsRoot = Path.of("runs");
    private String host = "127.0.0.1";
    private int port = 7007;
    private String token;
    private AgentSettings agent;

    private Builder(Workload workload, TrainerConfig config) {
      this.workload = Objects.requireNonNull(workload, "workload");
      this.config = Objects.requireNonNull(config, "config");
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
      Map<String, Object> section = new LinkedHashMap<>();
      section.put("mode", mode);
      section.put("every", every);
      section.put("prompt", "lr-recovery");
      if (!mode.equals("rule") && !mode.equals("openai")) {
        throw new IllegalArgumentException("agent mode must be rule or openai, got '" + mode + "'");
      }
      this.agent = AgentSettings.fromRunJson(section, System.getenv());
      return this;
    }

    /**
     * Starts serving and training (on a thread of its own).
     *
     * @throws IOException when the run's directory already holds a run: give the run its own id
     *     with {@code TrainerConfig.builder().optRunId(...)}
     */
    public Coxswain serve() throws Exception {
      String id = config.runId();
      Map<String, Object> runJson = new LinkedHashMap<>();
      runJson.put("run_id", id);
      runJson.put("started", Instant.now().toString());
      runJson.put("workload", workload.name());
      runJson.put("model", workload.description());
      runJson.put("data", workload.data().describe());
      Map<String, Object> cfg = new LinkedHashMap<>();
      cfg.put("max_steps", config.maxSteps());
      cfg.put("seed", config.seed());
      cfg.put("lr", config.lr());
      runJson.put("config", cfg);
      runJson.put("agent", agent == null ? Map.of("mode", "off") : agent.describe());
      runJson.put("provenance", Provenance.collect());
      Path dir = runsRoot.resolve(id);
      RunStore store;
      try {
        store = RunStore.create(dir, runJson);
      } catch (FileAlreadyExistsException e) {
        throw new IOException(
            dir + " already holds a run: give this one its own id with TrainerConfig.optRunId");
      }
      String t = token != null ? token : fromEnvOrRandom();
      CoxswainServer server =
          CoxswainServer.start(
              ApiOptions.defaults(t).withHost(host).withPort(port),
              runsRoot,
              store,
              new RunSpec(id, null, config, workload, runJson),
              null,
              null,
              agent);
      return new Coxswain(server, t, host);
    }

    private static String fromEnvOrRandom() {
      String env = System.getenv("COXSWAIN_TOKEN");
      if (env != null && !env.isBlank()) {
        return env.strip();
      }
      byte[] b = new byte[24];
      new SecureRandom().nextBytes(b);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
  }
}
