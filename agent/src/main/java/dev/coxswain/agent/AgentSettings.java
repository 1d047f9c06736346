package dev.coxswain.agent;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.guard.KnobFloor;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.policy.ReplayPolicy;
import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to start the supervising agent of a run, checked at start-up so a wrong
 * configuration fails before training begins.
 *
 * @param mode rule or openai
 * @param prompt lr-recovery or supervisor
 * @param openai endpoint settings (openai mode only)
 * @param config loop settings
 * @param maxTokens token cap for the run
 * @param maxUsd dollar cap for the run
 * @param inputPrice USD per million input tokens
 * @param outputPrice USD per million output tokens
 * @param promptsDir a directory overriding the built-in prompts, or null
 * @param replayJournal the agent.jsonl to replay (replay mode only)
 */
public record AgentSettings(
    String mode,
    String prompt,
    OpenAiPolicy.Options openai,
    SupervisorConfig config,
    long maxTokens,
    double maxUsd,
    double inputPrice,
    double outputPrice,
    Path promptsDir,
    Path replayJournal) {

  /** The agent's section of run.json: no key, and the endpoint's host only. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mode", mode);
    m.put("prompt", prompt);
    m.put("every", config.every());
    m.put("blocking", config.blocking());
    if (openai != null) {
      m.put("model", openai.model());
      m.put("endpoint_host", URI.create(openai.baseUrl()).getHost());
      m.put("reasoning_effort", openai.reasoningEffort());
      m.put("max_completion_tokens", openai.maxCompletionTokens());
      m.put("timeout_s", openai.timeout().toSeconds());
    }
    if (replayJournal != null) {
      m.put("replay", replayJournal.toString()); // a resumed replay replays the same journal
    }
    m.put(
        "budget",
        Map.of(
            "max_tokens",
            maxTokens,
            "max_usd",
            maxUsd,
            "usd_per_million_input",
            inputPrice,
            "usd_per_million_output",
            outputPrice));
    return m;
  }

  /**
   * Checks the prompt (and builds nothing that talks to the network).
   *
   * @throws IOException naming an unknown prompt
   */
  public PromptTemplate template() throws IOException {
    return PromptTemplate.load(prompt, promptsDir);
  }

  /**
   * Builds the supervisor for a run directory. Its floors under the agent come from the run's
   * configuration in the directory's run.json ({@code knobs.<name>.agent_floor}), so a resumed run
   * and a control plane's replica find them again.
   */
  public Supervisor build(Path runDir, Supervisor.Gateway gateway) throws IOException {
    PromptTemplate t = template();
    Guardrails.Config g =
        prompt.equals("supervisor")
            ? Guardrails.Config.supervisor()
            : Guardrails.Config.lrRecovery();
    Policy rule = new RulePolicy();
    Budget budget = new Budget(maxTokens, maxUsd, inputPrice, outputPrice);
    // a resumed run continues its budget from what its journal says was spent
    Journal.Spent spent = Journal.spent(runDir.resolve("agent.jsonl"));
    budget.restore(spent.tokens(), spent.usd());
    Policy primary =
        switch (mode) {
          case "openai" -> new OpenAiPolicy(openai, t, g.permitted(), config.every());
          // an earlier run's decisions, in order (a missing or empty journal fails here)
          case "replay" -> {
            if (replayJournal == null) {
              throw new IOException("the replay agent needs the journal (agent.jsonl) to replay");
            }
            yield ReplayPolicy.fromJournal(replayJournal);
          }
          default -> rule;
        };
    return new Supervisor(
        config,
        primary,
        rule,
        new Guardrails(g, new KnobFloor(floors(runDir))),
        budget,
        new Journal(runDir.resolve("agent.jsonl")),
        gateway,
        prompt);
  }

  /**
   * The floors the run's configuration in {@code runDir/run.json} sets ({@code
   * config.knobs.<name>.agent_floor}, checked when the run was configured); none without one.
   */
  static Map<String, Double> floors(Path runDir) throws IOException {
    Path rj = runDir.resolve("run.json");
    Map<String, Double> out = new LinkedHashMap<>();
    if (Files.exists(rj)
        && Json.read(Files.readString(rj), Map.class).get("config") instanceof Map<?, ?> c
        && c.get("knobs") instanceof Map<?, ?> knobs) {
      knobs.forEach(
          (name, k) -> {
            if (k instanceof Map<?, ?> m && m.get("agent_floor") instanceof Number f) {
              out.put(String.valueOf(name), f.doubleValue());
            }
          });
    }
    return out;
  }

  /**
   * The agent a run had, from its run.json section (see {@link #describe}), so that {@code resume}
   * brings it back. The key and the endpoint come from the environment again: run.json never holds
   * the key.
   *
   * @return null when the run had no agent
   * @throws IllegalArgumentException when the run had an OpenAI agent and no key is set
   */
  @SuppressWarnings("unchecked")
  public static AgentSettings fromRunJson(Object section, Map<String, String> env) {
    if (!(section instanceof Map<?, ?> raw)) {
      return null;
    }
    Map<String, Object> m = (Map<String, Object>) raw;
    String mode = String.valueOf(m.getOrDefault("mode", "off"));
    if (mode.equals("off")) {
      return null;
    }
    int every = ((Number) m.getOrDefault("every", 100)).intValue();
    boolean blocking = Boolean.TRUE.equals(m.get("blocking"));
    Map<String, Object> budget =
        m.get("budget") instanceof Map<?, ?> b ? (Map<String, Object>) b : Map.of();
    OpenAiPolicy.Options openai = null;
    if (mode.equals("openai")) {
      String key = env.get("OPENAI_API_KEY");
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(
            "this run was supervised by an OpenAI agent: set OPENAI_API_KEY to resume it");
      }
      Object effort = m.get("reasoning_effort");
      openai =
          new OpenAiPolicy.Options(
              env.getOrDefault("OPENAI_BASE_URL", "https://api.openai.com/v1"),
              key,
              String.valueOf(m.getOrDefault("model", "o4-mini")),
              effort == null ? null : String.valueOf(effort),
              ((Number) m.getOrDefault("max_completion_tokens", 4000)).intValue(),
              Duration.ofSeconds(((Number) m.getOrDefault("timeout_s", 60)).longValue()));
    }
    return new AgentSettings(
        mode,
        String.valueOf(m.getOrDefault("prompt", "lr-recovery")),
        openai,
        SupervisorConfig.defaults().withEvery(every).withBlocking(blocking),
        ((Number) budget.getOrDefault("max_tokens", 5_000_000)).longValue(),
        ((Number) budget.getOrDefault("max_usd", 5.0)).doubleValue(),
        ((Number) budget.getOrDefault("usd_per_million_input", 1.10)).doubleValue(),
        ((Number) budget.getOrDefault("usd_per_million_output", 4.40)).doubleValue(),
        null,
        m.get("replay") == null ? null : Path.of(String.valueOf(m.get("replay"))));
  }

  /** Default o4-mini settings against a base URL and key. */
  public static OpenAiPolicy.Options openAiDefaults(
      String baseUrl, String key, String model, Duration timeout) {
    return new OpenAiPolicy.Options(baseUrl, key, model, "low", 4000, timeout);
  }
}
