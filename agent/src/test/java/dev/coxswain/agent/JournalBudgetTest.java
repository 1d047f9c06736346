package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.journal.Journal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resumed run's budget continues from what its journal says was spent. */
class JournalBudgetTest {
  @TempDir Path dir;

  @Test
  void theJournalsSpendingCarriesOverIntoTheBudget() throws Exception {
    Path file = dir.resolve("agent.jsonl");
    try (Journal j = new Journal(file)) {
      j.write(call(1200, 300, 0.0026));
      j.write(Map.of("command_result", Map.of("status", "applied"))); // no usage: not a call
      j.write(call(800, 700, 0.0040));
    }
    // a crash tore the last line: the call it described was never acknowledged
    Files.writeString(
        file, "{\"usage\": {\"input_tok", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    Journal.Spent spent = Journal.spent(file);
    assertEquals(3000, spent.tokens());
    assertEquals(0.0066, spent.usd(), 1e-12);
    assertEquals(2, spent.calls());

    Budget b = Budget.o4MiniDefaults(3500, 5.0);
    b.restore(spent.tokens(), spent.usd());
    assertEquals(3000, b.tokens());
    assertFalse(b.exhausted());
    b.charge(new dev.coxswain.agent.policy.Usage(400, 100, 0));
    assertTrue(b.exhausted(), "the cap counts what was spent before the restart");
  }

  @Test
  void noJournalSpentNothingAndBadValuesAreRefused() throws Exception {
    Journal.Spent spent = Journal.spent(dir.resolve("missing.jsonl"));
    assertEquals(new Journal.Spent(0, 0, 0), spent);
    Budget b = Budget.o4MiniDefaults(10, 1.0);
    assertThrows(IllegalArgumentException.class, () -> b.restore(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> b.restore(0, Double.NaN));
    assertEquals(0, b.tokens(), "a refused restore changes nothing");
  }

  private static Map<String, Object> call(long in, long out, double usd) {
    return Map.of(
        "usage",
        Map.of("input_tokens", in, "output_tokens", out, "reasoning_tokens", 0),
        "cost_usd",
        usd);
  }
}
