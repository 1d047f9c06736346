package dev.coxswain.agent.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replays the decisions of an earlier run's journal ({@code agent.jsonl}), in order: the same
 * actions at the same decision points, without an LLM. After the last one it keeps.
 */
public final class ReplayPolicy implements Policy {
  private final List<Decision> decisions;
  private int next;

  private ReplayPolicy(List<Decision> decisions) {
    this.decisions = decisions;
  }

  /**
   * @throws IOException naming the file when it is missing or has no decisions
   */
  @SuppressWarnings("unchecked")
  public static ReplayPolicy fromJournal(Path journal) throws IOException {
    if (!Files.exists(journal)) {
      throw new IOException("no journal to replay at " + journal);
    }
    List<Decision> out = new ArrayList<>();
    int lineNo = 0;
    for (String line : Files.readAllLines(journal)) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      Map<String, Object> entry;
      try {
        entry = Json.mapper().readValue(line, Map.class);
      } catch (JsonProcessingException e) {
        throw new IOException(journal + " line " + lineNo + " is not JSON");
      }
      if (entry.get("decision") instanceof Map<?, ?> d) {
        Object args = d.get("args");
        out.add(
            new Decision(
                String.valueOf(d.get("action")),
                args instanceof Map<?, ?> a ? (Map<String, Object>) a : Map.of(),
                "replayed: " + d.get("rationale")));
      }
    }
    if (out.isEmpty()) {
      throw new IOException(journal + " holds no decisions");
    }
    return new ReplayPolicy(out);
  }

  @Override
  public String name() {
    return "replay";
  }

  @Override
  public synchronized Answer decide(Summary summary) {
    if (next >= decisions.size()) {
      return new Answer(
          Decision.keep("the replayed journal has no more decisions"), Usage.NONE, "", "", 1, null);
    }
    return new Answer(decisions.get(next++), Usage.NONE, "", "", 1, null);
  }
}
