package dev.coxswain.agent;

import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.protocol.CommandResult;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** What a decision leaves in {@code agent.jsonl}: the call, the decision, and later its result. */
final class DecisionLog {
  private final Journal journal;
  private final String promptName;

  DecisionLog(Journal journal, String promptName) {
    this.journal = journal;
    this.promptName = promptName;
  }

  /** The journal entry of one decision (also the {@code agent_decision} event, less the prompt). */
  Map<String, Object> entry(
      String id,
      long step,
      String policy,
      Answer answer,
      double budgetSpent,
      long latencyMs,
      Guardrails.Outcome g,
      String words) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("id", id);
    entry.put("time", Instant.now().toString());
    entry.put("step", step);
    entry.put("policy", policy);
    entry.put("prompt_name", promptName);
    entry.put("prompt_sha256", sha256(answer.prompt()));
    entry.put("prompt", answer.prompt());
    entry.put("response", answer.response());
    entry.put(
        "usage",
        Map.of(
            "input_tokens",
            answer.usage().inputTokens(),
            "output_tokens",
            answer.usage().outputTokens(),
            "reasoning_tokens",
            answer.usage().reasoningTokens()));
    entry.put("cost_usd", answer.meta().costUsd());
    entry.put("budget_spent_usd", budgetSpent);
    entry.put("latency_ms", latencyMs);
    entry.put("attempts", answer.attempts());
    entry.put(
        "decision",
        Map.of(
            "action",
            answer.decision().action(),
            "args",
            answer.decision().args(),
            "rationale",
            answer.decision().rationale()));
    entry.put("guardrail_edits", g.edits());
    if (!words.isEmpty()) {
      entry.put("person_words", words);
    }
    List<String> notes = new ArrayList<>();
    if (answer.note() != null && !answer.note().isEmpty()) {
      notes.add(answer.note());
    }
    entry.put("notes", notes);
    return entry;
  }

  void write(Map<String, Object> entry) {
    journal.write(entry);
  }

  /** Journals the command's result once it comes. */
  void resultLater(String decisionId, CompletableFuture<CommandResult> result) {
    result.thenAccept(
        r ->
            journal.write(
                Map.of(
                    "type",
                    "result",
                    "decision_id",
                    decisionId,
                    "command_id",
                    r.commandId(),
                    "status",
                    r.status().wire(),
                    "step",
                    r.step(),
                    "reason",
                    r.reason() == null ? "" : r.reason())));
  }

  /** A person's words given to the agent, or withdrawn (empty). */
  void words(long step, String words) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "person_words");
    m.put("time", Instant.now().toString());
    m.put("step", step);
    m.put("text", words);
    journal.write(m);
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
