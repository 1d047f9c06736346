package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * CI's benchmark: {@code coxswain benchmark --smoke} on every shipped scenario (so every trouble
 * kind) with every arm, real training at the tiny size; the tables must say what the runs' result
 * files say, and a second invocation trains nothing.
 */
class BenchmarkSmokeTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
    oldErr.print(err.toString(StandardCharsets.UTF_8));
  }

  /** The shipped scenarios, with the corpus where the build keeps it. */
  private List<Path> scenarios() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu")).toAbsolutePath();
    assertTrue(Files.isDirectory(corpus), "corpus missing at " + corpus);
    List<Path> files = new ArrayList<>();
    try (var s = Files.list(ScenarioParserTest.repo().resolve("experiments/scenarios"))) {
      for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        String text = Files.readString(f);
        assertTrue(
            text.contains("corpus: data/sotu") || text.contains("workload: fashion-mnist"),
            f + " names its corpus, or is the classifier (Debian's images)");
        Path copy = dir.resolve(f.getFileName());
        Files.writeString(copy, text.replace("corpus: data/sotu", "corpus: " + corpus));
        files.add(copy);
      }
    }
    return files;
  }

  private int run(List<Path> files, String... args) {
    List<String> a = new ArrayList<>(files.stream().map(Path::toString).toList());
    a.addAll(List.of(args));
    // no key, whatever this machine's environment: the LLM's arms stay out
    return new CommandLine(new BenchmarkCommand(Map.of())).execute(a.toArray(String[]::new));
  }

  private static ScenarioResult result(Path scenarioDir, String arm) throws Exception {
    return Json.read(
        Files.readString(scenarioDir.resolve("runs/" + arm + "/seed-1/result.json")),
        ScenarioResult.class);
  }

  /** The mean train loss of steps from..to in a run's event log. */
  private static double meanLoss(Path run, long from, long to) throws Exception {
    double sum = 0;
    int n = 0;
    for (String line : Files.readAllLines(run.resolve("events.jsonl"))) {
      var e = Json.mapper().readTree(line);
      long step = e.path("step").asLong();
      if ("metrics".equals(e.path("type").asText()) && step >= from && step <= to) {
        sum += e.findValue("loss").asDouble();
        n++;
      }
    }
    assertEquals(to - from + 1, n, "metrics of steps " + from + ".." + to);
    return sum / n;
  }

  @Test
  void theRuleAgentDecidesAtTheSameStepsInEveryRunOfASeed() throws Exception {
    Path file =
        scenarios().stream()
            .filter(f -> f.toString().endsWith("lr-too-high.yaml"))
            .findFirst()
            .get();
    List<ScenarioResult> twice = new ArrayList<>();
    for (String out : List.of("first", "second")) {
      Path results = dir.resolve(out);
      assertEquals(
          0,
          run(List.of(file), "--smoke", "--arms", "rule", "--out", results.toString()),
          err.toString());
      twice.add(result(results.resolve("smoke/lr-too-high-smoke"), "rule"));
    }
    ScenarioResult a = twice.get(0);
    ScenarioResult b = twice.get(1);
    assertFalse(a.actions().isEmpty(), "the agent acted");
    // The lockstep makes a decision a function of the training the agent saw. The training itself
    // is not always bit for bit: about one run in five here leaves its twin at one step whose
    // forward is identical and whose gradient is not (the closing note of 2026-12-03 gives the
    // figures; cause not found). Decisions are compared as long as the training was the same.
    long apart =
        firstStepApart(
            dir.resolve("first/smoke/lr-too-high-smoke/runs/rule/seed-1"),
            dir.resolve("second/smoke/lr-too-high-smoke/runs/rule/seed-1"));
    if (apart != Long.MAX_VALUE) {
      oldErr.println("the two rule runs' training losses parted at step " + apart);
    }
    assertEquals(
        upTo(a.actions(), apart), upTo(b.actions(), apart), "the same decisions at the same steps");
    assertEquals(a.evals().size(), b.evals().size());
    for (int i = 0; i < a.evals().size() && a.evals().get(i)[0] < apart; i++) {
      assertEquals(a.evals().get(i)[0], b.evals().get(i)[0]);
      // the losses within the drift a replay may show across machines (see that test)
      assertEquals(
          a.evals().get(i)[1],
          b.evals().get(i)[1],
          LrRecoveryReproducesTest.LOSS_DRIFT,
          "eval " + i);
    }
  }

  /** The actions that applied at or before {@code step}: decided on training up to before it. */
  private static List<ScenarioResult.Action> upTo(List<ScenarioResult.Action> as, long step) {
    return as.stream().filter(x -> x.step() <= step).toList();
  }

  /**
   * The first step (on any branch) whose training loss differs between the two runs' event logs,
   * compared bit for bit; {@link Long#MAX_VALUE} when none does.
   */
  static long firstStepApart(Path runA, Path runB) throws Exception {
    Map<String, Double> a = losses(runA);
    Map<String, Double> b = losses(runB);
    assertTrue(a.size() > 10 && b.size() > 10, "both runs logged their steps");
    long first = Long.MAX_VALUE;
    for (Map.Entry<String, Double> e : a.entrySet()) {
      Double other = b.get(e.getKey());
      if (other != null && !other.equals(e.getValue())) {
        first = Math.min(first, Long.parseLong(e.getKey().substring(e.getKey().indexOf('/') + 1)));
      }
    }
    return first;
  }

  /** Each metrics event's loss by "branch/step". */
  private static Map<String, Double> losses(Path run) throws Exception {
    Map<String, Double> m = new java.util.HashMap<>();
    for (String line : Files.readAllLines(run.resolve("events.jsonl"))) {
      var e = Json.mapper().readTree(line);
      if ("metrics".equals(e.path("type").asText())) {
        m.put(
            e.path("branch").asText() + "/" + e.path("step").asLong(),
            e.findValue("loss").asDouble());
      }
    }
    return m;
  }

  @Test
  void armsAndSeedsCanBeChosenAndTheMeanIsOverTheSeeds() throws Exception {
    Path file =
        scenarios().stream()
            .filter(f -> f.toString().endsWith("knob-mistake.yaml"))
            .findFirst()
            .get();
    Path results = dir.resolve("two-seeds");
    assertEquals(
        0,
        run(
            List.of(file),
            "--smoke",
            "--arms",
            "none",
            "--seeds",
            "1,2",
            "--out",
            results.toString()),
        err.toString());
    Path sd = results.resolve("smoke/knob-mistake-smoke");
    assertFalse(Files.exists(sd.resolve("runs/tune-0.001")), "no tuned arm asked, no sweep run");
    Scenario sc = ScenarioParser.load(file, true);
    double v1 = result(sd, "none").valueAt(sc.deadline());
    double v2 =
        Json.read(
                Files.readString(sd.resolve("runs/none/seed-2/result.json")), ScenarioResult.class)
            .valueAt(sc.deadline());
    String row =
        Files.readString(sd.resolve("results.md"))
            .lines()
            .filter(l -> l.startsWith("| none ("))
            .findFirst()
            .get();
    Stat st = Stat.of(List.of(v1, v2));
    assertTrue(row.contains(st.text("%.4f")), st.text("%.4f") + " in " + row);
    assertTrue(st.sd() > 0, "two seeds, two data orders: " + v1 + " " + v2);
    // the untroubled reference of each seed first, then the arm
    assertTrue(
        err.toString().contains("[2/4] knob-mistake-smoke untroubled seed 2"), err.toString());
    assertTrue(err.toString().contains("[4/4] knob-mistake-smoke none seed 2"), err.toString());
  }

  @Test
  void everyTroubleAndEveryArmRunAndTheTablesSayWhatTheRunsSay() throws Exception {
    List<Path> files = scenarios();
    List<String> backs = new ArrayList<>();
    Path results = dir.resolve("results");
    assertEquals(0, run(files, "--smoke", "--out", results.toString()), err.toString());

    String summary = Files.readString(results.resolve("smoke/summary.md"));
    oldErr.println(summary);
    for (Path f : files) {
      String name = f.getFileName().toString().replace(".yaml", "") + "-smoke";
      Path sd = results.resolve("smoke").resolve(name);
      Scenario sc = ScenarioParser.load(f, true);
      String md = Files.readString(sd.resolve("results.md"));
      oldErr.println(md);
      String way = sc.maximize() ? " ↑) |" : " ↓) |";
      assertTrue(summary.contains("| " + name + " (" + sc.metric() + way), summary);
      assertTrue(
          javax.imageio.ImageIO.read(sd.resolve("curves.png").toFile()).getWidth() > 0,
          name + ": its curves are drawn");
      ScenarioResult clean = BenchmarkSmokeScores.untroubled(sc, sd);
      for (BenchArm arm : BenchArm.byDefault(false)) {
        ScenarioResult r = result(sd, arm.wire());
        // a run the automatic recovery paused is stopped (nobody to resume it): scored at its end
        assertTrue(
            "finished".equals(r.status()) && r.steps() == sc.steps()
                || "stopped".equals(r.status()) && r.steps() < sc.steps(),
            name + " " + arm + ": " + r.status() + " at " + r.steps());
        double at = r.scoreAt(sc.deadline());
        assertTrue(Double.isFinite(at), name + " " + arm + " has a value at the deadline");
        String row =
            md.lines().filter(l -> l.startsWith("| " + arm.wire() + " (")).findFirst().get();
        // one seed: the mean is the run's own value, the sd 0
        assertTrue(row.contains(String.format(Locale.ROOT, "| %.4f ± 0.0000 |", at)), row);
        assertTrue(
            row.contains(
                String.format(
                    Locale.ROOT, "| %.4f ± 0.0000 |", r.bestUntil(sc.deadline(), sc.maximize()))),
            row);
        assertTrue(summary.contains(String.format(Locale.ROOT, "%.4f ± 0.0000", at)), summary);
        BenchmarkSmokeScores.sayWhatTheRunSays(sc, arm, r, clean, row, backs);
      }
    }
    oldErr.println("back within 2 % of the untroubled run (scenario arm: step or -): " + backs);

    // under the too-high lr the rule agent lowers the lr, and none never does
    Path high = results.resolve("smoke/lr-too-high-smoke");
    ScenarioResult none = result(high, "none");
    ScenarioResult rule = result(high, "rule");
    assertTrue(none.actions().isEmpty(), "no intervention: no actions");
    assertTrue(BenchmarkScores.stepsToCorrection(rule).isPresent(), rule.actions().toString());
    assertFalse(BenchmarkScores.stepsToCorrection(none).isPresent());
    // the rule agent corrects after the trouble, having seen it; it decided, and said how it went
    assertTrue(rule.scores().firstCorrection() > rule.scores().troubleStep(), rule.scores() + "");
    assertTrue(rule.scores().decisions() > 0, rule.scores() + "");
    assertEquals(0, none.scores().decisions());
    assertEquals(null, none.scores().firstCorrection());
    assertEquals(null, none.scores().backWithin(), "30x too high an lr: never back within 2 %");
    // after a person's lr x40 the rule agent gets back near the untroubled run; none does not
    Path knob = results.resolve("smoke/knob-mistake-smoke");
    assertTrue(
        result(knob, "rule").scores().backWithin() != null, "" + result(knob, "rule").scores());
    assertEquals(null, result(knob, "none").scores().backWithin());
    // the person's lr choice does not reach a tuned baseline, the knob mistake reaches every arm
    assertTrue(result(high, "constant").troubles().isEmpty());
    assertEquals(
        1, result(results.resolve("smoke/knob-mistake-smoke"), "constant").troubles().size());

    // the garbage reached the runs: the train loss of the window is far above that before it
    Path garbage = results.resolve("smoke/corrupted-batches-smoke/runs/none/seed-1");
    Trouble t = result(garbage.getParent().getParent().getParent(), "none").troubles().get(0);
    double before = meanLoss(garbage, t.step() - t.length() + 1, t.step());
    double during = meanLoss(garbage, t.step() + 1, t.step() + t.length());
    assertTrue(during > before + 0.5, "garbage loss " + during + " vs " + before);

    // the classifier's shuffled labels reached the runs: its train loss rose in the window, its
    // goal is accuracy (a share, higher is better) and the sweep picked the most accurate lr
    Path shuffled = results.resolve("smoke/shuffled-labels-smoke");
    Path labels = shuffled.resolve("runs/none/seed-1");
    Trouble lt = result(shuffled, "none").troubles().get(0);
    double clean = meanLoss(labels, lt.step() - lt.length() + 1, lt.step());
    double wrong = meanLoss(labels, lt.step() + 1, lt.step() + lt.length());
    assertTrue(wrong > clean + 0.3, "shuffled-label loss " + wrong + " vs " + clean);
    Scenario lsc = ScenarioParser.load(dir.resolve("shuffled-labels.yaml"), true);
    assertTrue(lsc.maximize());
    for (BenchArm arm : BenchArm.byDefault(false)) {
      double acc = result(shuffled, arm.wire()).scoreAt(lsc.deadline());
      assertTrue(acc > 0.1 && acc <= 1, arm + ": accuracy " + acc);
    }
    Benchmark lb = new Benchmark(lsc, shuffled, List.of(), List.of(), null, null, Map.of());
    Map<Double, ScenarioResult> sweep = lb.tuning();
    double won = sweep.get(lb.tunedLr()).scoreAt(lsc.deadline());
    for (Map.Entry<Double, ScenarioResult> e : sweep.entrySet()) {
      assertTrue(
          won >= e.getValue().scoreAt(lsc.deadline()),
          "the sweep's winner " + lb.tunedLr() + " is at least as accurate as lr " + e.getKey());
    }

    // the new data arrived where the scenario says, in every arm
    Path arriving = results.resolve("smoke/data-arriving-smoke");
    for (BenchArm arm : BenchArm.byDefault(false)) {
      long at = result(arriving, arm.wire()).troubles().get(0).step();
      // the population's members keep a log each
      String run = "runs/" + arm.wire() + "/seed-1" + (arm == BenchArm.PBT ? "/member-0" : "");
      String events = Files.readString(arriving.resolve(run + "/events.jsonl"));
      assertTrue(
          events
              .lines()
              .anyMatch(
                  l ->
                      l.contains("\"type\":\"data\"")
                          && l.contains("\"new\":1.0")
                          && l.contains("\"step\":" + at + ",")),
          arm
              + ": the mixture changed after step "
              + at
              + " in "
              + events.lines().filter(l -> l.contains("\"data\"")).toList());
    }
    // the untroubled run had the new data from the first step on
    String untroubledEvents =
        Files.readString(arriving.resolve("runs/untroubled/seed-1/events.jsonl"));
    assertTrue(
        untroubledEvents
            .lines()
            .anyMatch(
                l ->
                    l.contains("\"type\":\"data\"")
                        && l.contains("\"new\":1.0")
                        && l.contains("\"step\":0,")),
        "the untroubled run's mixture: "
            + untroubledEvents.lines().filter(l -> l.contains("\"data\"")).toList());
    // the cosine arm lowers its lr at every stair, planned before the run: no correction
    assertFalse(result(arriving, "cosine").actions().isEmpty());
    assertFalse(BenchmarkScores.stepsToCorrection(result(arriving, "cosine")).isPresent());

    // the population: 4 members, every step counted, copies at the evaluations it applied
    for (Path f : files) {
      String name = f.getFileName().toString().replace(".yaml", "") + "-smoke";
      Scenario sc = ScenarioParser.load(f, true);
      ScenarioResult pbt = result(results.resolve("smoke").resolve(name), "pbt");
      assertEquals(4 * sc.steps(), pbt.stepsTrained(), name);
      assertEquals(pbt.stepsTrained(), pbt.population().compute(), name);
      assertFalse(pbt.population().copies().isEmpty(), name);
      assertTrue(pbt.population().copies().stream().allMatch(Population.Copy::applied), name);
    }
    assertTrue(summary.contains("| rule vs equal compute | rule vs any compute |"), summary);
    assertTrue(summary.lines().anyMatch(l -> l.startsWith("| totals |")), summary);

    // a constant lr stalls at its noise floor: an anneal ends below no intervention
    Path plateau = results.resolve("smoke/plateau-smoke");
    Scenario psc =
        ScenarioParser.load(
            ScenarioParserTest.repo().resolve("experiments/scenarios/plateau.yaml"), true);
    double stalled = result(plateau, "none").scoreAt(psc.deadline());
    for (String anneal : List.of("cosine", "linear")) {
      double past = result(plateau, anneal).scoreAt(psc.deadline());
      oldErr.printf(Locale.ROOT, "plateau-smoke: none %.4f, %s %.4f%n", stalled, anneal, past);
      assertTrue(past < stalled, anneal + " " + past + " vs none " + stalled);
    }

    // a second invocation finds every run on disk and trains nothing
    err.reset();
    assertEquals(0, run(files, "--smoke", "--out", results.toString()), err.toString());
    String log = err.toString();
    assertFalse(log.contains("steps ..."), log);
    assertTrue(log.contains("lr-too-high-smoke rule seed 1: complete on disk, skipped"), log);

    // another version of a scenario pointed at these runs: refused before anything trains
    Path changed = files.get(0);
    byte[] summaryBefore = Files.readAllBytes(results.resolve("smoke/summary.md"));
    Files.writeString(changed, Files.readString(changed).replace("lr: 0.001\n", "lr: 0.0012\n"));
    err.reset();
    assertEquals(2, run(List.of(changed), "--smoke", "--out", results.toString()), err.toString());
    assertTrue(err.toString().contains("was made by another version of scenario"), err.toString());
    assertFalse(err.toString().contains("skipped"), err.toString());
    assertArrayEquals(summaryBefore, Files.readAllBytes(results.resolve("smoke/summary.md")));
  }
}
