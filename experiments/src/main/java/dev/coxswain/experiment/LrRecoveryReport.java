package dev.coxswain.experiment;

import dev.coxswain.protocol.Json;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiment's report: a Markdown table (per arm: final and best validation loss and perplexity
 * as mean ± standard deviation over seeds, interventions, LLM tokens and cost, wall time), the same
 * numbers as JSON, and two PNG plots (validation loss and lr against step). Each names the command
 * and the commit that produced it.
 */
public final class LrRecoveryReport {
  private final LrRecoveryExperiment x;
  private final String command;

  public LrRecoveryReport(LrRecoveryExperiment x, String command) {
    this.x = x;
    this.command = command;
  }

  /** The commit and the code that trained a run, as the report names them. */
  static String trainedBy(LrRecoveryResult r) {
    if (r.commit() == null) {
      return "not recorded";
    }
    return new ResultOrigin(r.commit(), r.code(), r.codeSha256()).text();
  }

  public ResultFiles write() throws IOException {
    Map<LrRecoveryArm, List<LrRecoveryResult>> arms = x.reportArms();
    if (arms == null) {
      throw new IllegalStateException("not every run is complete: " + x.missing());
    }
    LrRecoveryConfig c = x.config();
    String commit = ResultOrigin.gitCommit();
    String when = Instant.now().toString();
    LrRecoveryArm oracle =
        arms.keySet().stream().filter(a -> a.id().equals("c-oracle")).findFirst().get();
    double oracleFinal =
        Stat.of(arms.get(oracle).stream().map(LrRecoveryResult::finalValLoss).toList()).mean();

    StringBuilder md = new StringBuilder();
    md.append("# ").append(c.name()).append(": results\n\n");
    md.append("Produced by `")
        .append(command)
        .append("`; report written at commit `")
        .append(commit);
    md.append("` (").append(when).append("). Runs trained at commit ");
    Map<String, Long> trained = new TreeMap<>();
    arms.values().stream()
        .flatMap(List::stream)
        .distinct()
        .forEach(r -> trained.merge(trainedBy(r), 1L, Long::sum));
    md.append(
            String.join(
                ", ",
                trained.entrySet().stream()
                    .map(e -> "`" + e.getKey() + "` (" + e.getValue() + " runs)")
                    .toList()))
        .append(".\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Default workload (character-level GPT on the State of the Union corpus), %d steps per"
                + " run%s; validation every %d steps, checkpoints every %d; seeds %s."
                + " Values are mean ± standard deviation over seeds; perplexity is exp(loss)."
                + " \"vs (c)\" is the final validation loss against the oracle's mean; \"best\" is the"
                + " lowest validation loss after step %d (the arm's own part of the run).\n\n",
            c.steps(),
            c.pretrainSteps() > 0
                ? String.format(
                    Locale.ROOT,
                    ", of which the first %d at lr %s are the shared \"pretrained\" start and the"
                        + " arm's lr applies from step %d",
                    c.pretrainSteps(),
                    LrRecoveryArm.lrText(c.pretrainLr()),
                    c.pretrainSteps() + 1)
                : "",
            c.evalEvery(),
            c.checkpointEvery(),
            c.seeds(),
            c.pretrainSteps()));
    StringBuilder table = new StringBuilder();
    table.append(
        "| arm | seeds | final val loss | final perplexity | best val loss | best perplexity | vs (c) |"
            + " interventions (per seed) | rollbacks (per seed) | steps computed (per seed) | decisions helped / hurt / neutral | LLM tokens (in/out) | LLM cost | wall time per run |\n");
    table.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<Map<String, Object>> json = new ArrayList<>();
    for (Map.Entry<LrRecoveryArm, List<LrRecoveryResult>> e : arms.entrySet()) {
      LrRecoveryArm a = e.getKey();
      if (a.id().startsWith("c-sweep-")) {
        continue;
      }
      table.append(row(a, e.getValue(), oracleFinal));
      json.add(summary(a, e.getValue(), oracleFinal));
    }
    md.append(table).append('\n');
    md.append("Interventions are applied commands from the agent, its automatic recovery or the");
    md.append(" schedule (a rollback counts with its halving). Steps computed include steps a");
    md.append(" rollback threw away. LLM cost is metered from the token usage.\n\n");
    md.append("## The sweep behind (c)\n\n");
    md.append(
        "| lr | seeds | final val loss | best val loss | wall time per run |\n|---|---|---|---|---|\n");
    double sweepWall = 0;
    for (Map.Entry<LrRecoveryArm, List<LrRecoveryResult>> e : arms.entrySet()) {
      if (!e.getKey().id().startsWith("c-sweep-")) {
        continue;
      }
      List<LrRecoveryResult> rs = e.getValue();
      sweepWall += rs.stream().mapToDouble(LrRecoveryResult::wallSeconds).sum();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s%s | %s | %s | %s | %.0f s |\n",
              LrRecoveryArm.lrText(e.getKey().lr()),
              e.getKey().lr() == oracle.lr() ? " (best)" : "",
              rs.stream().map(r -> String.valueOf(r.seed())).toList(),
              Stat.of(rs.stream().map(LrRecoveryResult::finalValLoss).toList()).text("%.4f"),
              Stat.of(rs.stream().map(this::best).toList()).text("%.4f"),
              Stat.of(rs.stream().map(LrRecoveryResult::wallSeconds).toList()).mean()));
      json.add(summary(e.getKey(), rs, oracleFinal));
    }
    double total =
        arms.values().stream()
            .flatMap(List::stream)
            .distinct()
            .mapToDouble(LrRecoveryResult::wallSeconds)
            .sum();
    md.append(
        String.format(
            Locale.ROOT,
            "\nThe sweep cost %.0f s of training (%d runs); the whole experiment %.0f s (%.1f min)"
                + " of training, run after run.\n\n",
            sweepWall,
            c.sweepLrs().size() * c.sweepSeeds().size(),
            total,
            total / 60));
    md.append("![validation loss](val_loss.png)\n\n![learning rate](lr.png)\n");

    Path mdFile = x.out().resolve("results.md");
    Files.createDirectories(x.out());
    Files.writeString(mdFile, md.toString());
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("command", command);
    all.put("commit", commit);
    all.put("trained_at", trained);
    all.put("time", when);
    all.put("experiment", c.name());
    all.put("oracle_lr", oracle.lr());
    all.put("total_wall_seconds", total);
    all.put("arms", json);
    Path jsonFile = x.out().resolve("results.json");
    Files.writeString(
        jsonFile, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
    String footer = command + "   |   commit " + commit + "   |   " + when;
    Path val = x.out().resolve("val_loss.png");
    Path lr = x.out().resolve("lr.png");
    plot(arms, false, footer, val);
    plot(arms, true, footer, lr);
    return new ResultFiles(table.toString(), List.of(mdFile, jsonFile, val, lr));
  }

  private String row(LrRecoveryArm a, List<LrRecoveryResult> rs, double oracleFinal) {
    Stat fin = Stat.of(rs.stream().map(LrRecoveryResult::finalValLoss).toList());
    Stat finPpl = Stat.of(rs.stream().map(r -> Math.exp(r.finalValLoss())).toList());
    Stat best = Stat.of(rs.stream().map(this::best).toList());
    Stat bestPpl = Stat.of(rs.stream().map(r -> Math.exp(best(r))).toList());
    Stat wall = Stat.of(rs.stream().map(LrRecoveryResult::wallSeconds).toList());
    long in = rs.stream().mapToLong(LrRecoveryResult::inputTokens).sum();
    long outTok = rs.stream().mapToLong(LrRecoveryResult::outputTokens).sum();
    double cost = rs.stream().mapToDouble(LrRecoveryResult::costUsd).sum();
    boolean llm = a.control() == LrRecoveryArm.Control.AGENT_OPENAI;
    String interventions = perSeed(rs, LrRecoveryResult::interventions);
    String stopped =
        rs.stream().anyMatch(r -> !"finished".equals(r.status()))
            ? " (some runs stopped: " + rs.stream().map(LrRecoveryResult::status).toList() + ")"
            : "";
    return String.format(
        Locale.ROOT,
        "| %s%s | %d | %s | %s | %s | %s | %+.1f%% | %s | %s | %s | %s | %s | %s | %.0f s |\n",
        a.label(),
        stopped,
        rs.size(),
        fin.text("%.4f"),
        finPpl.text("%.3f"),
        best.text("%.4f"),
        bestPpl.text("%.3f"),
        100 * (fin.mean() / oracleFinal - 1),
        a.control() == LrRecoveryArm.Control.LINEAR_DECAY
            ? "schedule, every 10 steps"
            : interventions,
        perSeed(rs, LrRecoveryResult::rollbacks),
        perSeed(rs, LrRecoveryResult::stepsTrained),
        outcomes(a, rs),
        llm ? String.format(Locale.ROOT, "%,d / %,d", in, outTok) : "—",
        llm ? String.format(Locale.ROOT, "$%.4f", cost) : "—",
        wall.mean());
  }

  /**
   * The best validation loss of the arm's own part of a run (after the shared pretraining), so that
   * an arm that only made the pretrained model worse does not report the pretrained model's loss.
   */
  double best(LrRecoveryResult r) {
    long from = x.config().pretrainSteps();
    return r.evals().stream()
        .filter(p -> p[0] > from)
        .mapToDouble(p -> p[1])
        .min()
        .orElse(r.bestValLoss());
  }

  /** The agent's decisions by what followed them, over all seeds: "20 / 3 / 10". */
  private static String outcomes(LrRecoveryArm a, List<LrRecoveryResult> rs) {
    boolean agent =
        a.control() == LrRecoveryArm.Control.AGENT_RULE
            || a.control() == LrRecoveryArm.Control.AGENT_OPENAI;
    if (!agent || rs.stream().allMatch(r -> r.outcomes() == null)) {
      return "—";
    }
    int unknown = rs.stream().mapToInt(r -> r.outcome("unknown")).sum();
    return String.format(
            Locale.ROOT,
            "%d / %d / %d",
            rs.stream().mapToInt(r -> r.outcome("helped")).sum(),
            rs.stream().mapToInt(r -> r.outcome("hurt")).sum(),
            rs.stream().mapToInt(r -> r.outcome("neutral")).sum())
        + (unknown > 0 ? " (" + unknown + " unknown)" : "");
  }

  /** One value per seed, in seed order: "3, 3, 5". */
  private static String perSeed(
      List<LrRecoveryResult> rs, java.util.function.Function<LrRecoveryResult, ?> f) {
    return String.join(", ", rs.stream().map(r -> String.valueOf(f.apply(r))).toList());
  }

  private Map<String, Object> summary(
      LrRecoveryArm a, List<LrRecoveryResult> rs, double oracleFinal) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("arm", a.id());
    m.put("label", a.label());
    m.put("start_lr", a.lr());
    m.put("seeds", rs.stream().map(LrRecoveryResult::seed).toList());
    Stat fin = Stat.of(rs.stream().map(LrRecoveryResult::finalValLoss).toList());
    Stat best = Stat.of(rs.stream().map(this::best).toList());
    m.put(
        "final_val_loss",
        Map.of("mean", fin.mean(), "sd", fin.sd(), "min", fin.min(), "max", fin.max()));
    m.put(
        "best_val_loss",
        Map.of("mean", best.mean(), "sd", best.sd(), "min", best.min(), "max", best.max()));
    m.put("final_vs_oracle", fin.mean() / oracleFinal - 1);
    m.put("final_val_losses", rs.stream().map(LrRecoveryResult::finalValLoss).toList());
    m.put("interventions", rs.stream().map(LrRecoveryResult::interventions).toList());
    m.put("rollbacks", rs.stream().map(LrRecoveryResult::rollbacks).toList());
    m.put("outcomes", rs.stream().map(LrRecoveryResult::outcomes).toList());
    m.put("input_tokens", rs.stream().mapToLong(LrRecoveryResult::inputTokens).sum());
    m.put("output_tokens", rs.stream().mapToLong(LrRecoveryResult::outputTokens).sum());
    m.put("cost_usd", rs.stream().mapToDouble(LrRecoveryResult::costUsd).sum());
    m.put("wall_seconds", rs.stream().map(LrRecoveryResult::wallSeconds).toList());
    return m;
  }

  private static final java.awt.BasicStroke[] LINES = {
    org.knowm.xchart.style.lines.SeriesLines.SOLID,
    org.knowm.xchart.style.lines.SeriesLines.DASH_DASH,
    org.knowm.xchart.style.lines.SeriesLines.DOT_DOT,
    org.knowm.xchart.style.lines.SeriesLines.DASH_DOT
  };

  private static final Color[] COLORS = {
    new Color(0xD6, 0x27, 0x28),
    new Color(0x1F, 0x77, 0xB4),
    new Color(0x9E, 0x4F, 0xC9),
    new Color(0x2C, 0xA0, 0x2C),
    new Color(0xFF, 0x7F, 0x0E),
    new Color(0x8C, 0x56, 0x4B),
    new Color(0x17, 0xBE, 0xCF)
  };

  private void plot(
      Map<LrRecoveryArm, List<LrRecoveryResult>> arms, boolean lr, String footer, Path file)
      throws IOException {
    LrRecoveryConfig c = x.config();
    XYChart chart =
        new XYChartBuilder()
            .width(1100)
            .height(720)
            .title(
                lr
                    ? c.name() + ": learning rate vs step (seed " + c.seeds().get(0) + ")"
                    : c.name()
                        + ": validation loss vs step (mean over "
                        + c.seeds().size()
                        + " seeds)")
            .xAxisTitle("step")
            .yAxisTitle(lr ? "learning rate (log scale)" : "validation loss")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setMarkerSize(4);
    if (lr) {
      chart.getStyler().setYAxisLogarithmic(true);
    } else {
      // the first evaluation (step 0) would squash the interesting part of the curves
      chart.getStyler().setYAxisMax(null);
    }
    int i = 0;
    for (Map.Entry<LrRecoveryArm, List<LrRecoveryResult>> e : arms.entrySet()) {
      LrRecoveryArm a = e.getKey();
      if (a.id().startsWith("c-sweep-")) {
        continue;
      }
      Color color = COLORS[i++ % COLORS.length];
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      if (lr) {
        LrRecoveryResult r = e.getValue().get(0);
        double prev = Double.NaN;
        for (double[] p : r.lrs()) {
          if (!Double.isNaN(prev) && p[1] != prev) {
            xs.add(p[0] - 1);
            ys.add(prev);
          }
          xs.add(p[0]);
          ys.add(p[1]);
          prev = p[1];
        }
      } else {
        TreeMap<Double, List<Double>> byStep = new TreeMap<>();
        for (LrRecoveryResult r : e.getValue()) {
          for (double[] p : r.evals()) {
            if (p[0] > 0) {
              byStep.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p[1]);
            }
          }
        }
        for (Map.Entry<Double, List<Double>> s : byStep.entrySet()) {
          xs.add(s.getKey());
          ys.add(s.getValue().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        }
      }
      if (xs.isEmpty()) {
        continue;
      }
      XYSeries s = chart.addSeries(a.label(), xs, ys);
      s.setLineColor(color);
      s.setMarkerColor(color);
      s.setMarker(lr ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
      // arms that coincide (a run the agent left alone) stay visible through their dashes
      s.setLineStyle(LINES[(i - 1) % LINES.length]);
    }
    BufferedImage img = BitmapEncoder.getBufferedImage(chart);
    BufferedImage framed =
        new BufferedImage(img.getWidth(), img.getHeight() + 28, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = framed.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, framed.getWidth(), framed.getHeight());
    g.drawImage(img, 0, 0, null);
    g.setColor(Color.DARK_GRAY);
    g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 12));
    g.drawString(footer, 10, img.getHeight() + 18);
    g.dispose();
    ImageIO.write(framed, "png", file.toFile());
  }
}
