package dev.coxswain.report;

import static dev.coxswain.report.Text.md;

import dev.coxswain.report.RunReport.Best;
import dev.coxswain.report.RunReport.Entry;
import dev.coxswain.report.RunReport.Fork;
import dev.coxswain.report.RunReport.Health;
import dev.coxswain.report.RunReport.Intervention;
import dev.coxswain.report.RunReport.Kept;
import java.util.List;
import java.util.Map;

/**
 * The morning report in Markdown, for a terminal, a pull request or an LLM: the same sections as
 * the HTML page, the curves as numbers (the plots are in the HTML). Text from the run is escaped
 * and never starts a line, so it cannot open a heading, a list, a link or HTML.
 */
public final class MarkdownReport {
  private MarkdownReport() {}

  /**
   * @param html the HTML page's file name, for the plots, or null
   */
  public static String render(RunReport r, String html) {
    StringBuilder b = new StringBuilder(16 * 1024);
    b.append("# Morning report: run ").append(md(r.run().id())).append("\n\n");
    b.append("_").append(md(ReportFacts.headline(r))).append("_\n\n");
    if (!r.logDamage().isEmpty()) {
      b.append("**The event log is damaged**; this report skipped what it could not trust:\n\n");
      for (String d : r.logDamage()) {
        b.append("- ").append(md(d)).append('\n');
      }
      b.append('\n');
    }
    b.append("## Summary\n\n");
    facts(b, ReportFacts.facts(r));
    curves(b, r, html);
    best(b, r);
    timeline(b, r.timeline());
    forks(b, r.forks());
    health(b, r.health());
    b.append("## Agent\n\n");
    facts(b, ReportFacts.agent(r));
    b.append("## The run\n\n");
    facts(b, ReportFacts.run(r.run()));
    return b.toString();
  }

  private static void facts(StringBuilder b, List<String[]> rows) {
    for (String[] f : rows) {
      b.append("- **").append(md(f[0])).append("**: ").append(md(f[1])).append('\n');
    }
    b.append('\n');
  }

  private static void curves(StringBuilder b, RunReport r, String html) {
    b.append("## Curves\n\n");
    if (html != null) {
      b.append("The plots, with every command marked, are in [")
          .append(md(html))
          .append("](")
          .append(html.replace(" ", "%20").replace("(", "%28").replace(")", "%29"))
          .append(").\n\n");
    }
    b.append("| curve | branch | points | first | last | lowest | highest |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    int rows = 0;
    for (ReportCharts.Curve c : ReportCharts.curves(r)) {
      for (Map.Entry<String, List<double[]>> s : ReportCharts.series(r.points(), c).entrySet()) {
        List<double[]> p = s.getValue();
        double[] lo = p.get(0);
        double[] hi = p.get(0);
        for (double[] x : p) {
          lo = x[1] < lo[1] ? x : lo;
          hi = x[1] > hi[1] ? x : hi;
        }
        b.append("| ")
            .append(md(c.title()))
            .append(" | ")
            .append(md(s.getKey()))
            .append(" | ")
            .append(Text.count(p.size()))
            .append(" | ")
            .append(at(p.get(0)))
            .append(" | ")
            .append(at(p.get(p.size() - 1)))
            .append(" | ")
            .append(at(lo))
            .append(" | ")
            .append(at(hi))
            .append(" |\n");
        rows++;
      }
    }
    b.append(rows == 0 ? "| no steps yet | | | | | | |\n\n" : "\n");
  }

  private static String at(double[] p) {
    return md(Text.num(p[1])) + " (step " + (long) p[0] + ")";
  }

  private static void best(StringBuilder b, RunReport r) {
    b.append("## Best checkpoint\n\n");
    Best best = r.best();
    if (best == null) {
      b.append("No kept checkpoint has an evaluation at its step")
          .append(
              r.bestEval() == null
                  ? " (there is no evaluation yet)."
                  : "; the best evaluation was " + md(Describe.best(r.bestEval())) + ".")
          .append("\n\n");
      return;
    }
    b.append("Checkpoint `")
        .append(best.checkpoint().replace("`", ""))
        .append("`: ")
        .append(md(Describe.best(best)))
        .append(
            best.onDisk() ? "." : "; its files are not in this directory (kept by the trainer).")
        .append("\n\n");
    for (Describe.HowTo h : Describe.howTo(r.run(), best)) {
      b.append("To ").append(md(h.what())).append(":\n\n");
      b.append(Text.mdCode(h.code(), h.lang())).append('\n');
    }
  }

  private static void timeline(StringBuilder b, List<Entry> timeline) {
    b.append("## Timeline: commands and agent decisions\n\n");
    if (timeline.isEmpty()) {
      b.append("No command and no decision.\n\n");
      return;
    }
    b.append("| time (UTC) | branch | step | source | what | why | result |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (Entry e : timeline) {
      if (e instanceof Intervention c) {
        b.append("| ")
            .append(md(ReportFacts.time(c.time())))
            .append(" | ")
            .append(md(c.branch()))
            .append(" | ")
            .append(c.step())
            .append(" | ")
            .append(md(c.source()))
            .append(" | ")
            .append(md(Describe.what(c)))
            .append(" | ")
            .append(md(Describe.why(c)))
            .append(" | ")
            .append(md(Describe.result(c)))
            .append(" |\n");
      } else if (e instanceof Kept k) {
        b.append("| ")
            .append(md(ReportFacts.time(k.time())))
            .append(" |  | ")
            .append(k.step())
            .append(" | agent | ")
            .append(md(Describe.kept(k)))
            .append(" | ")
            .append(md(k.rationale()))
            .append(" | no command |\n");
      }
    }
    b.append('\n');
  }

  private static void forks(StringBuilder b, List<Fork> forks) {
    b.append("## Rollbacks and branches\n\n");
    if (forks.isEmpty()) {
      b.append("No rollback: the run stayed on one branch.\n\n");
      return;
    }
    for (Fork f : forks) {
      b.append("- ")
          .append(md(ReportFacts.time(f.time())))
          .append(" · ")
          .append(md(Describe.fork(f)))
          .append('\n');
    }
    b.append('\n');
  }

  private static void health(StringBuilder b, List<Health> health) {
    b.append("## Health\n\n");
    if (health.isEmpty()) {
      b.append("No health event.\n\n");
      return;
    }
    b.append("| steps | branch | kind | what |\n|---|---|---|---|\n");
    for (Health h : health) {
      b.append("| ")
          .append(md(Describe.steps(h)))
          .append(" | ")
          .append(md(h.branch()))
          .append(" | ")
          .append(md(h.kind()))
          .append(" | ")
          .append(md(Describe.health(h)))
          .append(" |\n");
    }
    b.append('\n');
  }
}
