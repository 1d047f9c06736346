package dev.coxswain.experiment;

import dev.coxswain.protocol.Json;
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

/**
 * The data-update study's results: a Markdown table (final validation loss on the old and on the
 * new data, mean ± sd over seeds, per arm), {@code results.json}, and one plot per source of the
 * validation loss against the step (mean over seeds).
 */
final class DataUpdateReport {
  private final DataUpdateExperiment x;
  private final String commandLine;
  private final Path out;

  DataUpdateReport(DataUpdateExperiment x, String commandLine, Path out) {
    this.x = x;
    this.commandLine = commandLine;
    this.out = out;
  }

  ResultFiles write() throws IOException {
    Map<DataUpdateExperiment.Arm, List<DataUpdateExperiment.Result>> arms = x.results();
    DataUpdateConfig c = x.config();
    List<Map<String, Object>> json = new ArrayList<>();
    String table = table(arms, json);
    String md =
        intro(c, arms)
            + table
            + "\n![validation loss on the new data](val_loss_new.png)\n\n"
            + "![validation loss on the old data](val_loss_old.png)\n";
    Files.createDirectories(out);
    Path mdFile = out.resolve("results.md");
    Path jsonFile = out.resolve("results.json");
    Files.writeString(mdFile, md);
    Files.writeString(jsonFile, Json.write(Map.of("config", c.name(), "arms", json)));
    Path newPng = out.resolve("val_loss_new.png");
    Path oldPng = out.resolve("val_loss_old.png");
    plot(arms, 2, "new data", newPng);
    plot(arms, 1, "old data", oldPng);
    return new ResultFiles(table, List.of(mdFile, jsonFile, newPng, oldPng));
  }

  /** The table of arms against (a); each arm's figures added to {@code json}. */
  private static String table(
      Map<DataUpdateExperiment.Arm, List<DataUpdateExperiment.Result>> arms,
      List<Map<String, Object>> json) {
    StringBuilder table = new StringBuilder();
    table.append(
        "| arm | seeds | final val loss, old data | final val loss, new data | new vs (a) |"
            + " wall time per run |\n|---|---|---|---|---|---|\n");
    double never =
        Stat.of(
                arms.get(DataUpdateExperiment.Arm.NEVER).stream()
                    .map(DataUpdateExperiment.Result::finalNew)
                    .toList())
            .mean();
    for (Map.Entry<DataUpdateExperiment.Arm, List<DataUpdateExperiment.Result>> e :
        arms.entrySet()) {
      List<DataUpdateExperiment.Result> rs = e.getValue();
      Stat old = Stat.of(rs.stream().map(DataUpdateExperiment.Result::finalOld).toList());
      Stat neu = Stat.of(rs.stream().map(DataUpdateExperiment.Result::finalNew).toList());
      Stat wall = Stat.of(rs.stream().map(DataUpdateExperiment.Result::wallSeconds).toList());
      table.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %s | %+.1f%% | %.0f s |\n",
              e.getKey().label,
              rs.size(),
              old.text("%.4f"),
              neu.text("%.4f"),
              100 * (neu.mean() / never - 1),
              wall.mean()));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("arm", e.getKey().id);
      m.put("final_old", Map.of("mean", old.mean(), "sd", old.sd()));
      m.put("final_new", Map.of("mean", neu.mean(), "sd", neu.sd()));
      m.put("per_seed_old", rs.stream().map(DataUpdateExperiment.Result::finalOld).toList());
      m.put("per_seed_new", rs.stream().map(DataUpdateExperiment.Result::finalNew).toList());
      json.add(m);
    }
    return table.toString();
  }

  /** Who wrote the report and from what, and how the study ran. */
  private String intro(
      DataUpdateConfig c, Map<DataUpdateExperiment.Arm, List<DataUpdateExperiment.Result>> arms) {
    return "# "
        + c.name()
        + ": results\n\nProduced by `"
        + commandLine
        + "` ("
        + Instant.now()
        + "; report written at commit `"
        + ResultOrigin.gitCommit()
        + "`). Runs trained at "
        + trainedBy(arms)
        + ". The default workload's model on the corpus "
        + c.corpus()
        + " split by file name: the data a run starts with (`"
        + c.oldGlob()
        + "`) and the data that arrives from deployment (`"
        + c.newGlob()
        + "`) at step "
        + c.arrivesAt()
        + "; "
        + c.steps()
        + " steps at lr "
        + c.lr()
        + ", validation every "
        + c.evalEvery()
        + " steps on each source's held-out documents, seeds "
        + c.seeds()
        + ". Arm (b) gets the new files copied into its data directory at step "
        + c.arrivesAt()
        + " and is sent `reload_data {sources: [{name: new, path: new}], now: true}` and"
        + " `set_data_mixture {weights: {new: 1}}` (old and new sampled alike); (c) samples"
        + " both alike from the start; (a) trains on the old data only and is evaluated on the"
        + " new. Values are mean ± standard deviation over seeds.\n\n";
  }

  /** The commits and code that trained the runs, with their counts. */
  private static String trainedBy(
      Map<DataUpdateExperiment.Arm, List<DataUpdateExperiment.Result>> arms) {
    Map<String, Long> by = new java.util.TreeMap<>();
    for (List<DataUpdateExperiment.Result> rs : arms.values()) {
      for (DataUpdateExperiment.Result r : rs) {
        String key =
            r.commit() == null
                ? "not recorded"
                : new ResultOrigin(r.commit(), r.code(), r.codeSha256()).text();
        by.merge(key, 1L, Long::sum);
      }
    }
    return String.join(
        ", ",
        by.entrySet().stream()
            .map(e -> "`" + e.getKey() + "` (" + e.getValue() + " runs)")
            .toList());
  }

  private void plot(
      Map<DataUpdateExperiment.Arm, List<DataUpdateExperiment.Result>> arms,
      int column,
      String what,
      Path file)
      throws IOException {
    DataUpdateConfig c = x.config();
    CurvePlot plot =
        new CurvePlot(
            c.name()
                + ": validation loss on the "
                + what
                + " (mean over "
                + c.seeds().size()
                + " seeds)",
            "validation loss, " + what);
    for (Map.Entry<DataUpdateExperiment.Arm, List<DataUpdateExperiment.Result>> e :
        arms.entrySet()) {
      TreeMap<Double, List<Double>> byStep = new TreeMap<>();
      for (DataUpdateExperiment.Result r : e.getValue()) {
        for (double[] p : r.evals()) {
          if (p[0] > 0 && Double.isFinite(p[column])) {
            byStep.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p[column]);
          }
        }
      }
      List<double[]> points = new ArrayList<>();
      byStep.forEach(
          (step, vs) ->
              points.add(
                  new double[] {
                    step, vs.stream().mapToDouble(Double::doubleValue).average().orElseThrow()
                  }));
      plot.add(new CurvePlot.Curve(e.getKey().label, points));
    }
    plot.mark(c.arrivesAt(), "the new data arrives (step " + c.arrivesAt() + ")");
    plot.write(file, "made by " + commandLine + " at commit " + ResultOrigin.gitCommit());
  }
}
