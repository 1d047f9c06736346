package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@link BenchmarkSmokeTest}'s checks of the scores besides the metric: the first correction, back
 * within 2 % of the untroubled run, decisions helped and hurt, in result.json and in the table.
 */
final class BenchmarkSmokeScores {
  private BenchmarkSmokeScores() {}

  /**
   * The untroubled reference of the scenario's seed 1: there exactly when every trouble has one,
   * without the trouble (new data from the first step), scored on nothing itself.
   */
  static ScenarioResult untroubled(Scenario sc, Path sd) throws Exception {
    boolean has = sc.troubles().stream().allMatch(Trouble::hasUntroubledRun);
    Path f = sd.resolve("runs/untroubled/seed-1/result.json");
    assertEquals(has, Files.exists(f), sc.name() + ": an untroubled run where it means something");
    if (!has) {
      return null;
    }
    ScenarioResult clean = Json.read(Files.readString(f), ScenarioResult.class);
    assertEquals(sc.lr(), clean.lr());
    assertEquals(null, clean.scores(), "the reference is not scored");
    assertTrue(clean.actions().isEmpty(), "nothing steers it");
    for (Trouble t : clean.troubles()) {
      assertEquals(Trouble.Kind.DATA_ARRIVING, t.kind(), "only new data stays, " + t);
      assertEquals(0, t.step(), "from the first step on");
    }
    assertEquals(sc.steps(), clean.steps());
    return clean;
  }

  /**
   * A run's scores in its result.json are those its result and the untroubled run give, and its row
   * of the table shows them; no intervention never corrects nor decides.
   */
  static void sayWhatTheRunSays(
      Scenario sc,
      BenchArm arm,
      ScenarioResult r,
      ScenarioResult clean,
      String row,
      List<String> backs) {
    String what = sc.name() + " " + arm.wire();
    RunScores s = r.scores();
    assertEquals(RunScores.of(r, clean, sc.deadline(), sc.maximize()), s, what);
    String correction =
        s.firstCorrection() == null
            ? "| none |"
            : String.format(Locale.ROOT, "| %d ± 0 (1 of 1 runs) |", s.stepsToCorrection());
    assertTrue(row.contains(correction), what + ": " + correction + " in " + row);
    String back =
        clean == null
            ? "| n/a |"
            : s.troubleStep() == null
                ? "| no trouble reached it |"
                : s.backWithin() == null
                    ? "| never (0 of 1 runs) |"
                    : String.format(Locale.ROOT, "| %d ± 0 (1 of 1 runs) |", s.stepsToBack());
    assertTrue(row.contains(back), what + ": " + back + " in " + row);
    if (clean != null && s.troubleStep() != null) {
      backs.add(what + ": " + (s.backWithin() == null ? "-" : s.backWithin()));
    }
    String decisions =
        arm.policy()
            ? String.format(Locale.ROOT, "| %d / %d of %d |", s.helped(), s.hurt(), s.decisions())
            : "| no agent |";
    assertTrue(row.endsWith(decisions), what + ": " + decisions + " in " + row);
    assertEquals(r.decisions(), s.decisions(), what);
    if (!arm.policy()) {
      assertEquals(0, s.decisions(), what + ": no agent, no decisions");
    }
    if (arm == BenchArm.NONE || arm.preplanned()) {
      assertEquals(null, s.firstCorrection(), what + ": reacts to nothing, corrects nothing");
    }
    if (s.firstCorrection() != null) {
      assertTrue(s.firstCorrection() > s.troubleStep() + 1, what + ": decided under it, " + s);
    }
  }
}
