package dev.coxswain.report;

import static dev.coxswain.report.Text.html;

import dev.coxswain.report.ReportCharts.Chart;
import dev.coxswain.report.RunReport.Best;
import dev.coxswain.report.RunReport.Entry;
import dev.coxswain.report.RunReport.Fork;
import dev.coxswain.report.RunReport.Health;
import dev.coxswain.report.RunReport.Intervention;
import dev.coxswain.report.RunReport.Kept;
import dev.coxswain.report.RunReport.Run;
import java.util.Base64;
import java.util.List;

/**
 * The morning report as one self-contained HTML page: no script, no external file, no network (its
 * Content-Security-Policy allows only inline style and {@code data:} images); the curves are PNGs
 * in {@code data:} URIs. Every text from the run is escaped.
 */
public final class HtmlReport {
  private static final String CSS =
      """
      body{margin:0 auto;max-width:1180px;padding:16px 24px 48px;font:14px/1.45 system-ui,sans-serif;color:#1d2330;background:#fff}
      h1{font-size:22px;margin:8px 0 2px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e3e6ec;padding-bottom:4px}
      .muted{color:#6b7385}code,pre{font:12.5px/1.4 ui-monospace,monospace}pre{background:#f6f7f9;padding:8px 10px;border-radius:4px;white-space:pre-wrap;word-break:break-all}
      dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:0}dl.facts dt{color:#6b7385}dl.facts dd{margin:0}
      table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;vertical-align:top;padding:3px 8px;border-top:1px solid #e3e6ec}
      th{color:#6b7385;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
      tr[data-status=rejected] td.result,tr[data-status=failed] td.result{color:#d03030}tr[data-status=pending] td.result{color:#c77800}
      .src{font-weight:600}.src.human{color:#e4572e}.src.agent{color:#7b4bd8}.src.rule{color:#159a8c}.src.api{color:#8a8f9c}
      figure{margin:8px 0 16px}figure img{max-width:100%;height:auto;border:1px solid #e3e6ec}figcaption{color:#6b7385;font-size:12px}
      """;

  private HtmlReport() {}

  /** The page. */
  public static String render(RunReport r, List<Chart> charts) {
    Run run = r.run();
    StringBuilder b = new StringBuilder(64 * 1024);
    b.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    b.append(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
            + " img-src data:; style-src 'unsafe-inline'\">\n");
    b.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    b.append("<title>Coxswain report · ").append(html(run.id())).append("</title>\n");
    b.append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    b.append("<h1>Morning report: run <code>").append(html(run.id())).append("</code></h1>\n");
    b.append("<p class=\"muted\" id=\"generated\">")
        .append(html(ReportFacts.headline(r)))
        .append("</p>\n");
    if (!r.logDamage().isEmpty()) {
      b.append("<section id=\"damage\">\n<p><strong>The event log is damaged</strong>;")
          .append(" this report skipped what it could not trust:</p>\n<ul>\n");
      for (String d : r.logDamage()) {
        b.append("<li>").append(html(d)).append("</li>\n");
      }
      b.append("</ul>\n</section>\n");
    }
    summary(b, r);
    curves(b, charts);
    best(b, r);
    timeline(b, r.timeline());
    forks(b, r.forks());
    health(b, r.health());
    agent(b, r);
    runSection(b, run);
    b.append("</body>\n</html>\n");
    return b.toString();
  }

  private static void facts(StringBuilder b, List<String[]> rows) {
    b.append("<dl class=\"facts\">\n");
    for (String[] f : rows) {
      b.append("<dt>").append(html(f[0])).append("</dt><dd>").append(html(f[1])).append("</dd>\n");
    }
    b.append("</dl>\n");
  }

  private static void summary(StringBuilder b, RunReport r) {
    b.append("<section id=\"summary\">\n<h2>Summary</h2>\n");
    facts(b, ReportFacts.facts(r));
    b.append("</section>\n");
  }

  private static void curves(StringBuilder b, List<Chart> charts) {
    b.append("<section id=\"curves\">\n<h2>Curves</h2>\n");
    if (charts.isEmpty()) {
      b.append("<p class=\"muted\">No steps yet.</p>\n");
    }
    b.append(
        "<p class=\"muted\">Step on the x axis, one colour per branch; every command is a"
            + " vertical line at the step it applied from, in its source's colour (human, agent,"
            + " rule, api), dashed when it was rejected or failed.</p>\n");
    for (Chart c : charts) {
      b.append("<figure id=\"chart-").append(html(c.id())).append("\">");
      b.append("<img width=\"1000\" height=\"360\" alt=\"")
          .append(html(c.alt()))
          .append("\" src=\"");
      b.append("data:image/png;base64,").append(Base64.getEncoder().encodeToString(c.png()));
      b.append("\"><figcaption>").append(html(c.alt())).append("</figcaption></figure>\n");
    }
    b.append("</section>\n");
  }

  private static void best(StringBuilder b, RunReport r) {
    b.append("<section id=\"best\">\n<h2>Best checkpoint</h2>\n");
    Best best = r.best();
    if (best == null) {
      b.append("<p>No kept checkpoint has an evaluation at its step")
          .append(
              r.bestEval() == null
                  ? " (there is no evaluation yet)."
                  : "; the best evaluation was " + html(Describe.best(r.bestEval())) + ".")
          .append("</p>\n</section>\n");
      return;
    }
    b.append("<p>Checkpoint <code id=\"best-checkpoint\">")
        .append(html(best.checkpoint()))
        .append("</code>: ")
        .append(html(Describe.best(best)))
        .append(
            best.onDisk() ? "." : "; its files are not in this directory (kept by the trainer).")
        .append("</p>\n");
    for (Describe.HowTo h : Describe.howTo(r.run(), best)) {
      b.append("<p>To ").append(html(h.what())).append(":</p>\n");
      b.append("<pre><code class=\"command\">").append(html(h.code())).append("</code></pre>\n");
    }
    b.append("</section>\n");
  }

  private static void timeline(StringBuilder b, List<Entry> timeline) {
    b.append("<section id=\"timeline\">\n<h2>Timeline: commands and agent decisions</h2>\n");
    if (timeline.isEmpty()) {
      b.append("<p class=\"muted\">No command and no decision.</p>\n</section>\n");
      return;
    }
    b.append(
        "<table>\n<thead><tr><th>time (UTC)</th><th>branch</th><th>step</th><th>source</th>"
            + "<th>what</th>"
            + "<th>why</th><th>result</th></tr></thead>\n<tbody>\n");
    for (Entry e : timeline) {
      if (e instanceof Intervention c) {
        b.append("<tr data-kind=\"command\" data-type=\"")
            .append(html(c.type()))
            .append("\" data-status=\"")
            .append(html(c.status()))
            .append("\"><td class=\"num\">")
            .append(html(ReportFacts.time(c.time())))
            .append("</td><td>")
            .append(html(c.branch()))
            .append("</td><td class=\"num\">")
            .append(c.step())
            .append("</td><td class=\"src ")
            .append(html(c.source()))
            .append("\">")
            .append(html(c.source()))
            .append("</td><td><code>")
            .append(html(Describe.what(c)))
            .append("</code></td><td>")
            .append(html(Describe.why(c)))
            .append("</td><td class=\"result\">")
            .append(html(Describe.result(c)))
            .append("</td></tr>\n");
      } else if (e instanceof Kept k) {
        b.append("<tr data-kind=\"decision\"><td class=\"num\">")
            .append(html(ReportFacts.time(k.time())))
            .append("</td><td></td><td class=\"num\">")
            .append(k.step())
            .append("</td><td class=\"src agent\">agent</td><td>")
            .append(html(Describe.kept(k)))
            .append("</td><td>")
            .append(html(k.rationale()))
            .append("</td><td class=\"result\">no command</td></tr>\n");
      }
    }
    b.append("</tbody>\n</table>\n</section>\n");
  }

  private static void forks(StringBuilder b, List<Fork> forks) {
    b.append("<section id=\"forks\">\n<h2>Rollbacks and branches</h2>\n");
    if (forks.isEmpty()) {
      b.append("<p class=\"muted\">No rollback: the run stayed on one branch.</p>\n");
    } else {
      b.append("<ul>\n");
      for (Fork f : forks) {
        b.append("<li data-kind=\"")
            .append(html(f.kind()))
            .append("\">")
            .append(html(ReportFacts.time(f.time())))
            .append(" · ")
            .append(html(Describe.fork(f)))
            .append("</li>\n");
      }
      b.append("</ul>\n");
    }
    b.append("</section>\n");
  }

  private static void health(StringBuilder b, List<Health> health) {
    b.append("<section id=\"health\">\n<h2>Health</h2>\n");
    if (health.isEmpty()) {
      b.append("<p class=\"muted\">No health event.</p>\n</section>\n");
      return;
    }
    b.append(
        "<table>\n<thead><tr><th>steps</th><th>branch</th><th>kind</th><th>what</th></tr></thead>\n"
            + "<tbody>\n");
    for (Health h : health) {
      b.append("<tr data-kind=\"")
          .append(html(h.kind()))
          .append("\"><td>")
          .append(html(Describe.steps(h)))
          .append("</td><td>")
          .append(html(h.branch()))
          .append("</td><td>")
          .append(html(h.kind()))
          .append("</td><td>")
          .append(html(Describe.health(h)))
          .append("</td></tr>\n");
    }
    b.append("</tbody>\n</table>\n</section>\n");
  }

  private static void agent(StringBuilder b, RunReport r) {
    b.append("<section id=\"agent\">\n<h2>Agent</h2>\n");
    facts(b, ReportFacts.agent(r));
    b.append("</section>\n");
  }

  private static void runSection(StringBuilder b, Run run) {
    b.append("<section id=\"run\">\n<h2>The run</h2>\n");
    facts(b, ReportFacts.run(run));
    b.append("</section>\n");
  }
}
