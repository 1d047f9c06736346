package dev.coxswain.server.cli;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.agent.policy.ReplayPolicy;
import dev.coxswain.run.RunLock;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.notify.Notifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coxswain serve}: the all-in-one server with a run of the default workload. */
@Command(
    name = "serve",
    header = "the console and the default run with its agent",
    mixinStandardHelpOptions = true,
    description =
        "Serve the API on loopback and train the default workload in it; COXSWAIN_TOKEN sets the token.")
public final class ServeCommand implements Callable<Integer> {
  @Mixin ServerOptions server = new ServerOptions();

  @Mixin RunOptions run = new RunOptions();

  @Mixin StartOutput start = new StartOutput();

  @Option(
      names = "--agent",
      description =
          "supervising agent: auto (default: openai when OPENAI_API_KEY is set, else rule), rule,"
              + " openai, replay, off")
  String agent = "auto";

  @Option(
      names = "--agent-prompt",
      description =
          "lr-recovery (double, halve or keep; default) or supervisor (commands as tools)")
  String agentPrompt = "lr-recovery";

  @Option(names = "--agent-every", description = "decide every N steps (default ${DEFAULT-VALUE})")
  int agentEvery = 100;

  @Option(
      names = "--agent-blocking",
      description = "pause training while the agent decides (the reference's behaviour)")
  boolean agentBlocking;

  @Option(
      names = "--agent-model",
      description =
          "model name (default ${DEFAULT-VALUE}); endpoint from OPENAI_BASE_URL, key from OPENAI_API_KEY")
  String agentModel = "o4-mini";

  @Option(
      names = "--agent-reasoning",
      description =
          "reasoning effort for o-series models: low, medium, high, or none (default ${DEFAULT-VALUE})")
  String agentReasoning = "low";

  @Option(
      names = "--agent-max-completion-tokens",
      description = "cap on each answer, reasoning included (default ${DEFAULT-VALUE})")
  int agentMaxCompletion = 4000;

  @Option(
      names = "--agent-timeout",
      description = "seconds per LLM call (default ${DEFAULT-VALUE})")
  int agentTimeout = 60;

  @Option(
      names = "--agent-budget-usd",
      description = "dollar cap for the run (default ${DEFAULT-VALUE})")
  double agentBudgetUsd = 5.0;

  @Option(
      names = "--agent-budget-tokens",
      description = "token cap for the run (default ${DEFAULT-VALUE})")
  long agentBudgetTokens = 5_000_000;

  @Option(
      names = "--agent-price",
      arity = "2",
      paramLabel = "USD",
      description = "USD per million input and output tokens (default 1.10 4.40, o4-mini)")
  double[] agentPrice = {1.10, 4.40};

  @Option(
      names = "--agent-replay",
      paramLabel = "FILE",
      description = "with --agent replay: the agent.jsonl of an earlier run")
  Path agentReplay;

  @Option(
      names = "--prompts",
      paramLabel = "DIR",
      description = "directory of prompt files overriding the built-in ones")
  Path prompts;

  /** The agent's settings from the options and the environment, or null for off. */
  AgentSettings agentSettings(Map<String, String> env) throws IOException {
    if (agent.equals("auto")) {
      String key = env.get("OPENAI_API_KEY");
      agent = key == null || key.isBlank() ? "rule" : "openai";
    }
    if (agent.equals("off")) {
      return null;
    }
    if (!agent.equals("rule") && !agent.equals("openai") && !agent.equals("replay")) {
      throw new IllegalArgumentException(
          "--agent must be auto, off, rule, openai or replay, got '" + agent + "'");
    }
    if (agent.equals("replay")) {
      if (agentReplay == null) {
        throw new IllegalArgumentException(
            "--agent replay needs --agent-replay FILE (an earlier run's agent.jsonl)");
      }
      ReplayPolicy.fromJournal(agentReplay); // a missing or empty journal fails here
    }
    OpenAiPolicy.Options openai = null;
    if (agent.equals("openai")) {
      String key = env.get("OPENAI_API_KEY");
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(
            "--agent openai needs OPENAI_API_KEY in the environment");
      }
      String base = env.getOrDefault("OPENAI_BASE_URL", "https://api.openai.com/v1");
      openai =
          new OpenAiPolicy.Options(
              base,
              key,
              agentModel,
              agentReasoning.equals("none") ? null : agentReasoning,
              agentMaxCompletion,
              Duration.ofSeconds(agentTimeout));
    }
    AgentSettings a =
        new AgentSettings(
            agent,
            agentPrompt,
            openai,
            SupervisorConfig.defaults().withEvery(agentEvery).withBlocking(agentBlocking),
            agentBudgetTokens,
            agentBudgetUsd,
            agentPrice[0],
            agentPrice[1],
            prompts,
            agentReplay);
    a.template(); // an unknown prompt fails here, before anything starts
    return a;
  }

  static final long DEFAULT_STEPS = 2000;

  @Override
  public Integer call() throws Exception {
    PrintStream err = System.err;
    AgentSettings agentSettings;
    try {
      agentSettings = agentSettings(System.getenv());
    } catch (IllegalArgumentException | IOException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    Notifier.Options notify;
    try {
      notify = server.notifier();
      server.api("checked-before-anything-is-created", "served"); // --compat with --private
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("agent", agentSettings == null ? Map.of("mode", "off") : agentSettings.describe());
    RunSpec spec = run.resolve(DEFAULT_STEPS, extra, err);
    if (spec == null) {
      return 2;
    }
    Path dir = run.dir(spec.runId());
    Path created = StartFailure.firstMissing(dir); // runs/ too, on a first serve
    RunStore store;
    try {
      store = RunStore.create(dir, spec.runJson());
    } catch (IOException e) {
      err.println("error: cannot create run directory " + dir + ": " + e.getMessage());
      return 2;
    }
    RunLock lock;
    try {
      lock = RunLock.acquire(dir, "serve");
    } catch (IOException e) {
      store.close();
      StartFailure.remove(created);
      err.println("error: " + e.getMessage());
      return 2;
    }
    try (lock) {
      try {
        start.begin("starting", store, spec, agentSettings, System.out);
      } catch (IOException e) {
        store.close();
        StartFailure.remove(created);
        err.println("error: cannot write the server's log in " + dir + ": " + e.getMessage());
        return 2;
      }
      return Serving.serve(
          server,
          store,
          spec,
          null,
          dir.toAbsolutePath().getParent(),
          agentSettings,
          () -> StartFailure.remove(created));
    }
  }
}
