package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A scenario file is read strictly: each mistake is named, and a good file reads as written. */
class ScenarioParserTest {
  @TempDir Path dir;

  static final String GOOD =
      String.join(
          "\n",
          "workload: char-gpt",
          "size: small",
          "steps: 600",
          "seeds: [1, 2]",
          "eval_every: 50",
          "lr: 0.001",
          "pretrain: {steps: 100, lr: 0.002}",
          "goal: {metric: eval_loss, direction: minimize, deadline: 600}",
          "troubles:",
          "  - {kind: knob_mistake, step: 300, knob: lr, factor: 40}",
          "  - {kind: lr_too_high, step: 100, lr: 0.03}",
          "  - {kind: corrupted_batches, step: 200, length: 50}",
          "tuning: {lrs: [0.001, 0.003]}",
          "agent: {every: 50}",
          "");

  static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    return Files.exists(p.resolve("experiments")) ? p : p.getParent();
  }

  private static Scenario parse(String text) throws InvalidExperimentException {
    return ScenarioParser.parse(text, "s.yaml", "s", false);
  }

  private static String error(String text) {
    return assertThrows(InvalidExperimentException.class, () -> parse(text)).getMessage();
  }

  @Test
  void aGoodFileReadsAsWritten() throws Exception {
    Scenario s = parse(GOOD);
    assertEquals("s", s.name());
    assertEquals(600, s.steps());
    assertEquals(List.of(1L, 2L), s.seeds());
    assertEquals(0, s.tuneSeed());
    assertEquals(100, s.start());
    assertEquals("eval_loss", s.metric());
    assertEquals(600, s.deadline());
    assertEquals(List.of(0.001, 0.003), s.tuningLrs());
    // in step order
    assertEquals(Trouble.Kind.LR_TOO_HIGH, s.troubles().get(0).kind());
    assertEquals(0.03, s.troubles().get(0).lr());
    assertEquals(Trouble.Kind.CORRUPTED_BATCHES, s.troubles().get(1).kind());
    assertTrue(s.troubles().get(1).corrupts(201) && s.troubles().get(1).corrupts(250));
    assertFalse(s.troubles().get(1).corrupts(200) || s.troubles().get(1).corrupts(251));
    assertEquals(40.0, s.troubles().get(2).factor());
    assertEquals(64, s.run().workload().embed());
  }

  @Test
  void smokeSizeDividesEveryStepCountAndKeepsOneSeed() throws Exception {
    Scenario s = ScenarioParser.parse(GOOD, "s.yaml", "s", true);
    assertEquals("s-smoke", s.name());
    assertEquals(60, s.steps());
    assertEquals(5, s.evalEvery());
    assertEquals(10, s.start());
    assertEquals(60, s.deadline());
    assertEquals(List.of(1L), s.seeds());
    assertEquals(10, s.troubles().get(0).step());
    assertEquals(5, s.troubles().get(1).length());
    assertEquals(32, s.run().workload().embed(), "the tiny model");
    assertFalse(parse(GOOD).digest().equals(s.digest()), "smoke runs are not the full runs");
  }

  @Test
  void aSizeGivenOnTheCommandLineReplacesTheFilesAndIsCheckedLikeIt() throws Exception {
    Scenario tiny = ScenarioParser.parse(GOOD, "s.yaml", "s", false, "tiny");
    assertEquals("tiny", tiny.size());
    assertEquals(32, tiny.run().workload().embed());
    assertEquals(600, tiny.steps(), "only the size changes");
    assertFalse(parse(GOOD).digest().equals(tiny.digest()), "its runs are not the file's");
    InvalidExperimentException bad =
        assertThrows(
            InvalidExperimentException.class,
            () -> ScenarioParser.parse(GOOD, "s.yaml", "s", false, "huge"));
    assertTrue(
        bad.getMessage().contains("s.yaml (at --size huge): 'size' is 'huge'"), bad.getMessage());
    Path good = dir.resolve("good.yaml");
    Files.writeString(good, GOOD);
    Path out = dir.resolve("out");
    for (String[] args :
        List.of(
            new String[] {good.toString(), "--size", "huge", "--out", out.toString()},
            new String[] {good.toString(), "--size", "tiny", "--smoke", "--out", out.toString()})) {
      assertEquals(
          2, new CommandLine(new BenchmarkCommand(Map.of())).execute(args), String.join(" ", args));
    }
    assertFalse(Files.exists(out), "nothing trained");
  }

  @Test
  void everyShippedScenarioIsValidAtBothSizes() throws Exception {
    Path scenarios = repo().resolve("experiments/scenarios");
    List<Path> files;
    try (var s = Files.list(scenarios)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 4, files.toString());
    java.util.Set<Trouble.Kind> kinds = java.util.EnumSet.noneOf(Trouble.Kind.class);
    for (Path f : files) {
      ScenarioParser.load(f, false).troubles().forEach(t -> kinds.add(t.kind()));
      ScenarioParser.load(f, true);
    }
    assertEquals(java.util.EnumSet.allOf(Trouble.Kind.class), kinds, "every kind has a scenario");
  }

  @Test
  void anUnknownTroubleKindIsNamedWithTheKnownOnes() {
    String m = error(GOOD.replace("kind: knob_mistake", "kind: lr_way_high"));
    assertTrue(m.contains("'troubles[0].kind' is 'lr_way_high': unknown trouble kind"), m);
    assertTrue(
        m.contains(
            "[lr_too_high, lr_too_low, knob_mistake, corrupted_batches, overfitting, data_arriving,"
                + " noise_floor]"),
        m);
  }

  @Test
  void aNoiseFloorLiesInTheArmsOwnPartAndTakesOnlyItsStep() throws Exception {
    String floor = "  - {kind: noise_floor, step: 300}\n";
    String good = GOOD.replace("  - {kind: corrupted_batches, step: 200, length: 50}\n", floor);
    Trouble t =
        parse(good).troubles().stream()
            .filter(x -> x.kind() == Trouble.Kind.NOISE_FLOOR)
            .findFirst()
            .orElseThrow();
    assertEquals(300, t.step());
    assertEquals(-1, t.correction(), "a lowered lr gets past it");
    assertTrue(t.describe().contains("only a lower lr gets further"), t.describe());
    assertFalse(t.lrChoice(), "it reaches every arm");

    String m = error(good.replace(floor, "  - {kind: noise_floor, step: 50}\n"));
    assertTrue(
        m.contains(
            "'troubles[2].step' (50) must lie in the arm's own part (from step 100 on): it is where"
                + " a constant lr has stalled"),
        m);
    m = error(good.replace(floor, "  - {kind: noise_floor, step: 300, lr: 0.01}\n"));
    assertTrue(m.contains("unknown key 'troubles[2].lr' (known here: kind, step)"), m);
    m = error(good.replace(floor, "  - {kind: noise_floor, step: 600}\n"));
    assertTrue(m.contains("'troubles[2].step' (600) is past the end"), m);
  }

  @Test
  void aTroubleStepPastTheEndIsNamed() {
    String m = error(GOOD.replace("step: 300, knob", "step: 900, knob"));
    assertTrue(m.contains("'troubles[0].step' (900) is past the end: the runs have 600 steps"), m);
    m = error(GOOD.replace("length: 50", "length: 500"));
    assertTrue(m.contains("'troubles[2].length' (500) from step 200 runs past the end"), m);
    m = error(GOOD.replace("deadline: 600", "deadline: 650"));
    assertTrue(m.contains("'goal.deadline' (650) is past the end"), m);
  }

  @Test
  void overfittingTrainsOnTheNamedDocumentsFromTheStart() throws Exception {
    String few =
        GOOD.replace(
            "{kind: corrupted_batches, step: 200, length: 50}",
            "{kind: overfitting, step: 0, documents: \"179*.txt\"}");
    Scenario s = parse(few);
    assertEquals("179*.txt", s.troubles().get(0).documents());
    assertEquals("179*.txt", s.run().data().sources().get("few"));
    String m = error(few.replace("step: 0, documents", "step: 10, documents"));
    assertTrue(m.contains("'troubles[2].step' (10) must be 0"), m);
    m = error(few.replace("179*.txt", "../etc/*"));
    assertTrue(
        m.contains("'troubles[2].documents' is '../etc/*': a file glob inside the corpus"), m);
  }

  @Test
  void dataArrivingStartsWithTheNewSourceAtWeightZero() throws Exception {
    String more =
        GOOD.replace(
            "{kind: corrupted_batches, step: 200, length: 50}",
            "{kind: data_arriving, step: 200, documents: \"1[78]*.txt\", arriving: \"19*.txt\"}");
    Scenario s = parse(more);
    assertEquals(Map.of("old", "1[78]*.txt", "new", "19*.txt"), s.run().data().sources());
    assertEquals(Map.of("old", 1.0, "new", 0.0), s.run().data().weights());
    assertEquals(0, s.troubles().get(1).correction(), "either way corrects it");
    String m =
        error(
            more.replace(
                "{kind: knob_mistake, step: 300, knob: lr, factor: 40}",
                "{kind: corrupted_batches, step: 300, length: 5}"));
    assertTrue(m.contains("'troubles' has data_arriving and corrupted_batches"), m);
    m = error(more.replace("step: 200, documents", "step: 0, documents"));
    assertTrue(m.contains("'troubles[2].step' (0) must be at least 1"), m);
  }

  @Test
  void aGoalOnAMetricTheWorkloadDoesNotReportIsNamed() {
    String m = error(GOOD.replace("metric: eval_loss", "metric: accuracy"));
    assertTrue(m.contains("'goal.metric' is 'accuracy': the workload char-gpt reports no such"), m);
    assertTrue(m.contains("[eval_loss, perplexity]"), m);
    m = error(GOOD.replace("direction: minimize", "direction: maximize"));
    assertTrue(m.contains("'goal.direction' is 'maximize'"), m);
  }

  /** The classifier: its own data key, its own metrics, and only the troubles it can have. */
  static String classifier(Path images) {
    return String.join(
        "\n",
        "workload: fashion-mnist",
        "size: tiny",
        "data: {dir: '" + images + "'}",
        "steps: 600",
        "seeds: [1]",
        "eval_every: 50",
        "lr: 0.001",
        "goal: {metric: accuracy, direction: maximize, deadline: 600}",
        "troubles:",
        "  - {kind: corrupted_batches, step: 200, length: 50}",
        "tuning: {lrs: [0.001, 0.003]}",
        "agent: {every: 50}",
        "");
  }

  @Test
  void theClassifierIsScoredOnAccuracyAndItsMistakesAreNamed() throws Exception {
    Path images = dir.resolve("fmnist");
    Files.createDirectories(images);
    Files.write(images.resolve("train-images-idx3-ubyte.gz"), new byte[0]);
    Scenario s = parse(classifier(images));
    assertTrue(s.classifier() && s.maximize(), "accuracy is better higher");
    assertEquals(images, s.images());
    assertTrue(s.better(0.9, 0.8) && !s.better(0.8, 0.9) && s.better(0.5, Double.NaN));
    assertFalse(parse(GOOD).better(0.9, 0.8), "a loss is better lower");
    // a metric of the other workload, the wrong direction, a trouble on documents it has not
    String m = error(classifier(images).replace("metric: accuracy", "metric: perplexity"));
    assertTrue(m.contains("the workload fashion-mnist reports no such metric"), m);
    assertTrue(m.contains("[accuracy, eval_loss]"), m);
    m = error(classifier(images).replace("direction: maximize", "direction: minimize"));
    assertTrue(m.contains("'goal.direction' is 'minimize': accuracy is better higher"), m);
    m =
        error(
            classifier(images)
                .replace(
                    "{kind: corrupted_batches, step: 200, length: 50}",
                    "{kind: overfitting, step: 0, documents: '179*.txt'}"));
    assertTrue(m.contains("trouble 'overfitting' names a corpus's documents"), m);
    // the corpus key is the other workload's; the images must be there
    m = error(classifier(images).replace("data: {dir:", "data: {corpus:"));
    assertTrue(m.contains("unknown key 'data.corpus' (known here: dir)"), m);
    m = error(classifier(dir.resolve("nowhere")));
    assertTrue(m.contains("needs its IDX files in " + dir.resolve("nowhere")), m);
    assertTrue(m.contains("dataset-fashion-mnist"), m);
  }

  @Test
  void unknownKeysAreNamedAtEveryLevel() {
    String m = error(GOOD + "learning_rate: 0.1\n");
    assertTrue(m.contains("unknown key 'learning_rate'"), m);
    m =
        error(
            GOOD.replace(
                "{kind: lr_too_high, step: 100, lr: 0.03}",
                "{kind: lr_too_high, step: 100, lr: 0.03, factor: 2}"));
    assertTrue(m.contains("unknown key 'troubles[1].factor' (known here: kind, step, lr)"), m);
    m = error(GOOD.replace("agent: {every: 50}", "agent: {every: 50, policy: openai}"));
    assertTrue(m.contains("unknown key 'agent.policy'"), m);
  }

  @Test
  void badTypesAndValuesAreNamedWithTheValue() {
    String m = error(GOOD.replace("steps: 600", "steps: many"));
    assertTrue(m.contains("'steps' must be a whole number of at least 1, not \"many\""), m);
    m = error(GOOD.replace("lr: 0.001\n", "lr: -1\n"));
    assertTrue(m.contains("'lr' must be a positive number, not -1"), m);
    m = error(GOOD.replace("seeds: [1, 2]", "seeds: 1"));
    assertTrue(m.contains("'seeds' must be a non-empty list"), m);
    m = error(GOOD.replace("size: small", "size: huge"));
    assertTrue(m.contains("'size' is 'huge'; known: [default, small, tiny]"), m);
    m = error(GOOD.replace("workload: char-gpt", "workload: resnet"));
    assertTrue(m.contains("'workload' is 'resnet'"), m);
    m = error(GOOD.replace("seeds: [1, 2]", "seeds: [0, 1]"));
    assertTrue(m.contains("'tune_seed' (0) is one of 'seeds'"), m);
    m = error(GOOD.replace("lr: 0.03}", "lr: 0.0001}"));
    assertTrue(m.contains("'troubles[1].lr' (1.0E-4) must be above the scenario's 'lr'"), m);
    m = error(GOOD.replace("troubles:\n", "troubles: []\nx:\n"));
    assertTrue(m.contains("unknown key 'x'") || m.contains("'troubles' must be"), m);
    m = error("- a list\n");
    assertTrue(m.contains("expected a YAML mapping"), m);
  }

  @Test
  void theCommandExitsTwoOnABadFileBeforeAnyTraining() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, GOOD.replace("kind: knob_mistake", "kind: meteor"));
    Path good = dir.resolve("good.yaml");
    Files.writeString(good, GOOD);
    Path out = dir.resolve("out");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          new CommandLine(new BenchmarkCommand(Map.of()))
              .execute(good.toString(), bad.toString(), "--out", out.toString());
    } finally {
      System.setErr(old);
    }
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, text);
    assertTrue(text.contains("error: " + bad + ": 'troubles[0].kind' is 'meteor'"), text);
    assertFalse(Files.exists(out), "nothing trained, nothing written, not even the good file's");
    assertEquals(
        2,
        new CommandLine(new BenchmarkCommand(Map.of()))
            .execute(good.toString(), "--arms", "none,oracle", "--out", out.toString()));
    assertFalse(Files.exists(out));
  }
}
