package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.policy.ReplayPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayPolicyTest {
  @TempDir Path dir;

  @Test
  void replaysDecisionsInOrderThenKeeps() throws Exception {
    Path j = dir.resolve("agent.jsonl");
    Files.writeString(
        j,
        String.join(
            "\n",
            "{\"id\":\"d-50-1\",\"decision\":{\"action\":\"halve\",\"args\":{},\"rationale\":\"noisy\"}}",
            "{\"type\":\"result\",\"decision_id\":\"d-50-1\",\"status\":\"applied\"}",
            "{\"id\":\"d-100-2\",\"decision\":{\"action\":\"set_knobs\",\"args\":{\"lr\":0.002},\"rationale\":\"ok\"}}",
            ""));
    ReplayPolicy p = ReplayPolicy.fromJournal(j);
    assertEquals("halve", p.decide(OpenAiPolicyTest.summary()).decision().action());
    var second = p.decide(OpenAiPolicyTest.summary()).decision();
    assertEquals("set_knobs", second.action());
    assertEquals(Map.of("lr", 0.002), second.args());
    assertTrue(second.rationale().startsWith("replayed"));
    assertEquals("keep", p.decide(OpenAiPolicyTest.summary()).decision().action());
  }

  @Test
  void missingOrEmptyJournalsAreNamed() throws Exception {
    IOException missing =
        assertThrows(IOException.class, () -> ReplayPolicy.fromJournal(dir.resolve("nope.jsonl")));
    assertTrue(missing.getMessage().contains("nope.jsonl"));
    Path empty = dir.resolve("empty.jsonl");
    Files.writeString(empty, "{\"type\":\"result\"}\n");
    assertTrue(
        assertThrows(IOException.class, () -> ReplayPolicy.fromJournal(empty))
            .getMessage()
            .contains("no decisions"));
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{oops\n");
    assertTrue(
        assertThrows(IOException.class, () -> ReplayPolicy.fromJournal(bad))
            .getMessage()
            .contains("line 1"));
  }
}
