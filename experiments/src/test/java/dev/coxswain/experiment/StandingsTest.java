package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summary's win / tie / loss, from result files written here: each policy arm against the best
 * baseline at equal compute and at any compute, and the totals over scenarios.
 */
class StandingsTest {
  @TempDir Path dir;

  private static final List<BenchArm> ARMS =
      List.of(BenchArm.NONE, BenchArm.CONSTANT, BenchArm.PBT, BenchArm.RULE);

  private Benchmark benchmark(String name) throws Exception {
    String yaml =
        String.join(
            "\n",
            "workload: char-gpt",
            "size: tiny",
            "steps: 100",
            "seeds: [1, 2]",
            "eval_every: 50",
            "lr: 0.001",
            "goal: {metric: eval_loss, direction: minimize, deadline: 100}",
            "troubles:",
            "  - {kind: noise_floor, step: 50}",
            "tuning: {lrs: [0.001, 0.002]}",
            "agent: {every: 50}",
            "");
    Scenario sc = ScenarioParser.parse(yaml, name, name, false);
    return new Benchmark(
        sc,
        dir.resolve(name),
        ARMS,
        List.of(1L, 2L),
        new PrintStream(java.io.OutputStream.nullOutputStream()),
        new ResultOrigin("c", "c", "c"),
        Map.of());
  }

  /** Writes one run's result.json where the benchmark looks for it. */
  private static void write(Benchmark b, String id, long seed, long steps, double atDeadline)
      throws Exception {
    Scenario sc = b.scenario();
    ScenarioResult r =
        new ScenarioResult(
            sc.name(),
            sc.digest(),
            id.startsWith("tune") ? "tune" : id,
            seed,
            0.001,
            "finished",
            100,
            steps,
            "eval_loss",
            List.of(new double[] {50, 3.0}, new double[] {100, atDeadline}),
            List.of(),
            List.of(),
            0,
            Map.of(),
            "c",
            1.0);
    Path f = b.runDir(id, seed).resolve("result.json");
    Files.createDirectories(f.getParent());
    Files.writeString(f, Json.mapper().writeValueAsString(r));
  }

  /** The sweep (2 x 100 steps) and two seeds of every arm at the values given (seed 1, seed 2). */
  private static void results(
      Benchmark b, double[] none, double[] constant, double[] pbt, double[] rule) throws Exception {
    write(b, Benchmark.tuneId(0.001), 0, 100, 2.2);
    write(b, Benchmark.tuneId(0.002), 0, 100, 2.1);
    for (int s = 0; s < 2; s++) {
      write(b, "none", s + 1, 100, none[s]);
      write(b, "constant", s + 1, 100, constant[s]);
      write(b, "pbt", s + 1, 400, pbt[s]);
      write(b, "rule", s + 1, 100, rule[s]);
    }
  }

  @Test
  void aPolicyMeetsTheBestBaselineItsComputeAffordsAndTheBestOfAll() throws Exception {
    Benchmark a = benchmark("a");
    // rule 2.00 +- 0.014 beats none (2.50) at equal compute, loses to pbt (1.80) at any compute
    results(
        a,
        new double[] {2.5, 2.5},
        new double[] {2.1, 2.1},
        new double[] {1.79, 1.81},
        new double[] {1.99, 2.01});
    Map<BenchArm, BenchmarkScores> m = BenchmarkReport.scores(a);
    assertEquals(100, m.get(BenchArm.RULE).compute(), 1e-12, "rule: its run, no sweep");
    assertEquals(300, m.get(BenchArm.CONSTANT).compute(), 1e-12, "100 + the sweep's 200");
    assertEquals(600, m.get(BenchArm.PBT).compute(), 1e-12, "4 members x 100 + the sweep");
    assertEquals(BenchArm.NONE, Standings.bestAtEqualCompute(m, BenchArm.RULE));
    assertEquals(BenchArm.PBT, Standings.bestAtAnyCompute(m));
    Standings.Verdict v = Standings.of(m).get(0);
    assertEquals(BenchArm.RULE, v.arm());
    assertEquals("win", v.vsEqual());
    assertEquals("loss", v.vsAny());
    assertEquals(1, Standings.of(m).size(), "only the policy arms get a verdict");

    // b: rule within one sd of none (a tie) and of constant, which computed more
    Benchmark b = benchmark("b");
    results(
        b,
        new double[] {2.0, 2.1},
        new double[] {2.0, 2.02},
        new double[] {2.3, 2.4},
        new double[] {2.02, 2.04});
    Map<BenchArm, BenchmarkScores> mb = BenchmarkReport.scores(b);
    Standings.Verdict vb = Standings.of(mb).get(0);
    assertEquals(BenchArm.NONE, vb.equal());
    assertEquals("tie", vb.vsEqual(), "0.02 apart, sd 0.07");
    assertEquals(BenchArm.CONSTANT, vb.any(), "the lowest mean, whatever it cost");
    assertEquals("loss", vb.vsAny(), "0.02 apart, sd 0.014");

    Map<Benchmark, Map<BenchArm, BenchmarkScores>> all = new LinkedHashMap<>();
    all.put(a, m);
    all.put(b, mb);
    Path file = dir.resolve("summary.md");
    String md = BenchmarkReport.summary(all, file, "test", "c");
    System.err.println(md);
    assertEquals(md, Files.readString(file));
    assertTrue(md.contains("| rule vs equal compute | rule vs any compute |"), md);
    String rowA =
        md.lines().filter(l -> l.startsWith("| a (eval_loss ↓) |")).findFirst().orElseThrow();
    assertTrue(rowA.endsWith("| win (none) | loss (pbt) |"), rowA);
    String rowB =
        md.lines().filter(l -> l.startsWith("| b (eval_loss ↓) |")).findFirst().orElseThrow();
    assertTrue(rowB.endsWith("| tie (none) | loss (constant) |"), rowB);
    String totals = md.lines().filter(l -> l.startsWith("| totals |")).findFirst().orElseThrow();
    assertTrue(totals.endsWith("| 1 win, 1 tie, 0 losses | 0 wins, 0 ties, 2 losses |"), totals);
  }

  @Test
  void aPolicyThatComputedLessThanEveryBaselineHasNoEqualComputeVerdict() throws Exception {
    Benchmark a = benchmark("c");
    results(
        a,
        new double[] {2.5, 2.5},
        new double[] {2.1, 2.1},
        new double[] {1.8, 1.8},
        new double[] {2.0, 2.0});
    // the rule runs stopped at 60 steps: no baseline computed as little
    write(a, "rule", 1, 60, 2.0);
    write(a, "rule", 2, 60, 2.0);
    Map<BenchArm, BenchmarkScores> m = BenchmarkReport.scores(a);
    assertNull(Standings.bestAtEqualCompute(m, BenchArm.RULE));
    Standings.Verdict v = Standings.of(m).get(0);
    assertEquals("no baseline", v.equalCell());
    assertEquals("", v.vsEqual());
    assertEquals("loss (pbt)", v.anyCell());
    assertEquals("0 wins, 0 ties, 0 losses", Standings.totals(List.of(v.vsEqual())));
    assertEquals("0 wins, 0 ties, 1 loss", Standings.totals(List.of(v.vsAny())));
  }
}
