package dev.coxswain.trainer;

import java.util.List;

/**
 * What a run reports and in which units: run.json's {@code reports} section, which the console and
 * the report read to draw the right figures.
 *
 * @param kind {@code language_model}, {@code classifier}, {@code other} or {@code own_loop}
 * @param perplexity whether a perplexity means anything for its loss
 * @param throughputUnit one unit of its throughput: {@code tokens}, {@code samples} or {@code
 *     steps}
 * @param metrics the names of its own evaluation metrics
 * @param replayable for a loop of its own, whether a resume replays it exactly; null (absent) for a
 *     workload on Coxswain's loop
 */
public record RunReports(
    String kind,
    Boolean perplexity,
    String throughputUnit,
    List<String> metrics,
    Boolean replayable) {

  /** What a loop of its own reports: its steps, no perplexity, no metrics of Coxswain's. */
  public static RunReports ownLoop(boolean replayable) {
    return new RunReports("own_loop", false, "steps", List.of(), replayable);
  }
}
