package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run's agent journal ({@code agent.jsonl}) adds up to.
 *
 * @param decisions the decisions the agent made
 * @param inputTokens prompt tokens over all decisions
 * @param outputTokens answer tokens over all decisions
 * @param costUsd what the decisions cost
 * @param outcomes how many decisions were judged each way, by verdict
 */
record AgentJournalTally(
    int decisions,
    long inputTokens,
    long outputTokens,
    double costUsd,
    Map<String, Integer> outcomes) {

  /** Reads {@code agent.jsonl} in {@code dir}; all zero when there is none (no agent). */
  static AgentJournalTally read(Path dir) throws IOException {
    int decisions = 0;
    long in = 0;
    long out = 0;
    double cost = 0;
    Map<String, Integer> outcomes = new TreeMap<>();
    Path journal = dir.resolve("agent.jsonl");
    if (Files.exists(journal)) {
      for (String line : Files.readAllLines(journal)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = Json.mapper().readTree(line);
        if (n.has("decision")) {
          decisions++;
          in += n.path("usage").path("input_tokens").asLong();
          out += n.path("usage").path("output_tokens").asLong();
          cost += n.path("cost_usd").asDouble();
        } else if ("outcome".equals(n.path("type").asText())) {
          outcomes.merge(n.path("verdict").asText(), 1, Integer::sum);
        }
      }
    }
    return new AgentJournalTally(decisions, in, out, cost, outcomes);
  }
}
