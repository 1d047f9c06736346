package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.memory.Memory;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent's memory of its own decisions: what it holds, and its bound in tokens. */
class MemoryTest {
  static Summary window(long to, double meanLoss, double lr) {
    return new Summary(
        to - 99,
        to,
        "main",
        "running",
        Map.of(
            "train_loss",
            new Summary.Series(
                List.of(new Summary.Point(to, meanLoss)), meanLoss, 0, 0, meanLoss, 100)),
        Double.POSITIVE_INFINITY,
        0,
        0,
        0,
        List.of(TestKnobs.lr(lr)),
        List.of(),
        Double.NaN,
        Double.NaN);
  }

  static Event event(long step, EventType type, Map<String, Object> payload) {
    return new Event(step, "r", "main", step, type, Instant.now(), payload);
  }

  @Test
  void eachDecisionIsRememberedWithWhatFollowedIt() {
    Memory m = new Memory();
    assertEquals("", m.render(), "nothing before the first decision");
    m.accept(event(90, EventType.EVAL, Map.of("eval_loss", 2.9)));
    Summary w1 = window(100, 3.0, 0.01);
    m.windowEnded(w1);
    m.decided(100, w1, "halve", "set_knobs", Map.of("lr", 0.005), null);
    m.accept(event(150, EventType.EVAL, Map.of("eval_loss", 2.6)));
    // a person puts lr back within the window after the halving: an override
    m.accept(
        event(
            160,
            EventType.COMMAND,
            Map.of(
                "id", "h1", "source", "human", "type", "set_knobs", "args", Map.of("lr", 0.01))));
    Summary w2 = window(200, 2.5, 0.01);
    m.windowEnded(w2);
    m.decided(200, w2, "double", "set_knobs", Map.of("lr", 0.02), null);
    // a rollback to a checkpoint from before the doubling undoes it
    m.accept(
        event(
            230,
            EventType.BRANCH,
            Map.of(
                "branch",
                "b1",
                "checkpoint",
                "main/150",
                "parent_branch",
                "main",
                "left_at_step",
                230,
                "resumes_at_step",
                151)));
    Summary w3 = window(300, 2.4, 0.01);
    m.windowEnded(w3);
    m.decided(300, w3, "double", null, Map.of(), "knob 'lr' is locked by a person; not changed");
    String text = m.render();
    List<String> lines = text.lines().toList();
    assertEquals(4, lines.size(), text);
    assertEquals(
        "- step 100 halve (lr 0.01000->0.005000): loss 3.000->2.500, eval 2.900->2.600;"
            + " a person overrode it (step 160 set_knobs [lr])",
        lines.get(1));
    assertEquals(
        "- step 200 double (lr 0.01000->0.02000): loss 2.500->2.400, eval 2.600->?;"
            + " rolled back at step 230 to main/150",
        lines.get(2));
    assertTrue(lines.get(3).startsWith("- step 300 double (not sent: knob 'lr' is locked"), text);
    assertTrue(lines.get(3).endsWith("loss 2.400->now, eval 2.600->now"), text);
  }

  @Test
  void aPersonsCommandOnAnotherKnobIsNoOverride() {
    Memory m = new Memory();
    Summary w = window(100, 3.0, 0.01);
    m.decided(100, w, "halve", "set_knobs", Map.of("lr", 0.005), null);
    m.accept(
        event(
            120,
            EventType.COMMAND,
            Map.of(
                "id",
                "h1",
                "source",
                "human",
                "type",
                "set_knobs",
                "args",
                Map.of("weight_decay", 0.1))));
    m.accept(
        event(
            130,
            EventType.COMMAND,
            Map.of(
                "id",
                "a1",
                "source",
                "agent",
                "type",
                "scale_knob",
                "args",
                Map.of("knob", "lr"))));
    assertFalse(m.render().contains("overrode"), m.render());
  }

  @Test
  void theMemoryStaysWithinItsTokenCapFoldingTheOldestFirst() {
    Memory m = new Memory(300);
    String[] actions = {"halve", "keep", "double", "keep"};
    for (int i = 1; i <= 200; i++) {
      Summary w = window(100L * i, 3.0 - i * 0.005, 0.01);
      m.windowEnded(w);
      String a = actions[i % 4];
      boolean change = !a.equals("keep");
      m.decided(
          100L * i,
          w,
          a,
          change ? "set_knobs" : null,
          change ? Map.of("lr", a.equals("halve") ? 0.005 : 0.02) : Map.of(),
          null);
      if (i % 7 == 0) {
        m.accept(
            event(
                100L * i + 10,
                EventType.COMMAND,
                Map.of(
                    "id",
                    "h" + i,
                    "source",
                    "human",
                    "type",
                    "lock_knob",
                    "args",
                    Map.of("knob", "lr"))));
      }
      String text = m.render();
      assertTrue(Memory.count(text) <= 300, i + " decisions: " + Memory.count(text) + " tokens");
    }
    String text = m.render();
    assertEquals(200, m.size());
    List<String> lines = text.lines().toList();
    assertTrue(lines.get(1).startsWith("- steps 100-"), "the oldest folded into one line: " + text);
    assertTrue(lines.get(1).contains("older decisions (double "), text);
    assertTrue(lines.get(1).contains("overridden by a person"), text);
    assertTrue(lines.get(lines.size() - 1).startsWith("- step 20000 "), "the newest verbatim");
    assertTrue(lines.size() > 4, "several recent decisions verbatim: " + text);
    assertThrows(IllegalArgumentException.class, () -> new Memory(10));
  }

  @Test
  void afterFiftyDecisionsTheLrRecoveryPromptStaysWithin1500Tokens() throws Exception {
    dev.coxswain.agent.bench.AgentBenchmark.MemoryFigures f =
        dev.coxswain.agent.bench.AgentBenchmark.afterDecisions(50, 100);
    System.out.println("lr-recovery after 50 decisions: " + f);
    assertEquals(50, f.decisions());
    assertTrue(f.maxInputTokens() <= 1500, f.toString());
    assertTrue(f.memoryTokens() <= Memory.DEFAULT_MAX_TOKENS, f.toString());
    assertTrue(f.memoryTokens() > 200, "the memory is there and has grown: " + f);
  }
}
