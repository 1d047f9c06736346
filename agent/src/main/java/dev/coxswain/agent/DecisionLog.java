package dev.coxswain.agent;

import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
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

  /** One decision, as its {@code agent_decision} event has it (without the prompt). */
  Payload.AgentDecision decision(
      String id,
      long step,
      String policy,
      Answer answer,
      double budgetSpent,
      long latencyMs,
      Guardrails.Outcome g,
      String words,
      String commandId) {
    List<String> notes = new ArrayList<>();
    if (answer.note() != null && !answer.note().isEmpty()) {
      notes.add(answer.note());
    }
    Decision d = answer.decision();
    return new Payload.AgentDecision(
        id,
        Instant.now(),
        step,
        policy,
        promptName,
        sha256(answer.prompt()),
        answer.response(),
        new Payload.Usage(
            answer.usage().inputTokens(),
            answer.usage().outputTokens(),
            answer.usage().reasoningTokens()),
        answer.meta().costUsd(),
        budgetSpent,
        latencyMs,
        answer.attempts(),
        new Payload.Decision(d.action(), d.args(), d.rationale()),
        g.edits(),
        words.isEmpty() ? null : words,
        notes,
        commandId);
  }

  /** Journals a decision: its event's fields with the full prompt after the prompt's digest. */
  void write(Payload.AgentDecision decision, String prompt) {
    Map<String, Object> entry = new LinkedHashMap<>();
    Payloads.encode(decision)
        .forEach(
            (k, v) -> {
              entry.put(k, v);
              if (k.equals("prompt_sha256")) {
                entry.put("prompt", prompt);
              }
            });
    journal.write(entry);
  }

  /** Journals what followed a decision (the {@code agent_outcome} event's fields). */
  void write(Payload.AgentOutcome outcome) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("type", "outcome");
    line.putAll(Payloads.encode(outcome));
    journal.write(line);
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
