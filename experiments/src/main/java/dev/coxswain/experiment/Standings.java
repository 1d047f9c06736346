package dev.coxswain.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The summary's verdicts: per scenario, each policy arm (the rule agent, any agent arm) against the
 * best baseline that computed no more than it did (equal compute: steps per run plus the sweep's
 * steps for a tuned arm) and against the best baseline at any compute (population-based training
 * and the swept arms included). A win or a loss by the mean at the deadline, a tie within one
 * standard deviation over the seeds ({@link BenchmarkScores#against}). Computed from the scores
 * alone, so from the runs' result files.
 */
final class Standings {
  private Standings() {}

  /** Every arm that is not a policy: what a policy is measured against. */
  static List<BenchArm> baselines() {
    return BenchArm.reported().stream().filter(a -> !a.policy()).toList();
  }

  /** The best baseline whose compute does not exceed {@code arm}'s, or null when none. */
  static BenchArm bestAtEqualCompute(Map<BenchArm, BenchmarkScores> m, BenchArm arm) {
    double budget = m.get(arm).compute();
    List<BenchArm> within =
        baselines().stream().filter(b -> m.containsKey(b) && m.get(b).compute() <= budget).toList();
    return BenchmarkScores.bestOf(m, within);
  }

  /** The best baseline whatever it cost, or null when none ran. */
  static BenchArm bestAtAnyCompute(Map<BenchArm, BenchmarkScores> m) {
    return BenchmarkScores.bestOf(m, baselines());
  }

  /**
   * One policy arm's verdicts in one scenario.
   *
   * @param equal the best equal-compute baseline (null: none computed as little)
   * @param vsEqual win, tie or loss against it ("" when there is none)
   * @param any the best baseline at any compute (null: none ran)
   * @param vsAny win, tie or loss against it ("" when there is none)
   */
  record Verdict(BenchArm arm, BenchArm equal, String vsEqual, BenchArm any, String vsAny) {
    String equalCell() {
      return cell(equal, vsEqual);
    }

    String anyCell() {
      return cell(any, vsAny);
    }

    private static String cell(BenchArm base, String verdict) {
      return base == null ? "no baseline" : verdict + " (" + base.wire() + ")";
    }
  }

  /** The verdicts of every policy arm in a scenario's scores, in arm order. */
  static List<Verdict> of(Map<BenchArm, BenchmarkScores> m) {
    List<Verdict> out = new ArrayList<>();
    for (BenchArm a : m.keySet()) {
      if (!a.policy()) {
        continue;
      }
      BenchmarkScores s = m.get(a);
      BenchArm eq = bestAtEqualCompute(m, a);
      BenchArm any = bestAtAnyCompute(m);
      out.add(
          new Verdict(
              a,
              eq,
              eq == null ? "" : s.against(m.get(eq)),
              any,
              any == null ? "" : s.against(m.get(any))));
    }
    return out;
  }

  /** Counts of win, tie and loss (and n/a) over the verdicts given. */
  static String totals(List<String> verdicts) {
    Map<String, Integer> n = new LinkedHashMap<>();
    for (String v : List.of("win", "tie", "loss")) {
      n.put(v, 0);
    }
    for (String v : verdicts) {
      if (!v.isEmpty()) {
        n.merge(v, 1, Integer::sum);
      }
    }
    List<String> parts = new ArrayList<>();
    n.forEach(
        (v, c) ->
            parts.add(
                String.format(Locale.ROOT, "%d %s", c, c == 1 || v.equals("n/a") ? v : plural(v))));
    return String.join(", ", parts);
  }

  private static String plural(String v) {
    return v.equals("loss") ? "losses" : v + "s";
  }
}
