package dev.coxswain.report;

import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.RunState.Stepped;
import dev.coxswain.report.RunReport.Agent;
import dev.coxswain.report.RunReport.Entry;
import dev.coxswain.report.RunReport.Intervention;
import dev.coxswain.report.RunReport.Run;
import dev.coxswain.report.RunReport.Throughput;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The report's lists of facts (name, value), the same in HTML and Markdown. */
final class ReportFacts {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  /** The agent settings a reader needs; run.json holds no secret, and only these are shown. */
  private static final List<String> AGENT_KEYS =
      List.of("mode", "model", "prompt", "every", "blocking", "reasoning", "budget");

  private ReportFacts() {}

  static String time(Instant t) {
    return t == null ? "" : TIME.format(t);
  }

  /** "finished at step 600 of 600 on branch b1 · generated 2026-... UTC". */
  static String headline(RunReport r) {
    Run run = r.run();
    return run.status()
        + (run.live() ? " (live)" : "")
        + " at step "
        + run.step()
        + (run.maxSteps() == null ? "" : " of " + run.maxSteps())
        + " on branch "
        + run.branch()
        + " · report generated "
        + time(r.generated())
        + " UTC from "
        + run.log();
  }

  static List<String[]> facts(RunReport r) {
    List<String[]> f = new ArrayList<>();
    Run run = r.run();
    f.add(row("status", run.status() + (run.live() ? ", live" : "")));
    f.add(row("step", run.step() + (run.maxSteps() == null ? "" : " of " + run.maxSteps())));
    f.add(row("branch", run.branch()));
    f.add(
        row(
            "best checkpoint",
            r.best() == null ? "–" : r.best().checkpoint() + ": " + Describe.best(r.best())));
    f.add(row("best evaluation", r.bestEval() == null ? "–" : Describe.best(r.bestEval())));
    f.add(row("last evaluation", lastEval(r)));
    f.add(row("commands", commands(r.timeline())));
    f.add(
        row(
            "rollbacks",
            Long.toString(r.forks().stream().filter(x -> "branch".equals(x.kind())).count())));
    f.add(
        row(
            "health events",
            Integer.toString(r.health().stream().mapToInt(RunReport.Health::count).sum())));
    Agent a = r.agent();
    f.add(
        row(
            "agent",
            a.mode()
                + ": "
                + a.decisions()
                + " decisions, "
                + Text.count(a.tokens())
                + " tokens, "
                + Text.usd(a.costUsd())));
    f.addAll(throughput(r.throughput()));
    return f;
  }

  private static String lastEval(RunReport r) {
    for (int i = r.points().size() - 1; i >= 0; i--) {
      Stepped<Payload> e = r.points().get(i);
      // a non-finite loss is logged as a string ("NaN"): not a loss to show
      if (e.value() instanceof Payload.Eval ev && Double.isFinite(ev.evalLoss())) {
        return Text.num(ev.evalLoss())
            + " (perplexity "
            + Text.num(Math.exp(ev.evalLoss()))
            + ") at step "
            + e.step()
            + " of branch "
            + e.branch();
      }
    }
    return "–";
  }

  /** "5: 4 applied, 1 rejected; by source: human 1, rule 4". */
  static String commands(List<Entry> timeline) {
    Map<String, Integer> status = new TreeMap<>();
    Map<String, Integer> source = new TreeMap<>();
    int n = 0;
    for (Entry e : timeline) {
      if (e instanceof Intervention c) {
        n++;
        status.merge(c.status(), 1, Integer::sum);
        source.merge(c.source(), 1, Integer::sum);
      }
    }
    if (n == 0) {
      return "none";
    }
    return n + ": " + join(status) + "; by source: " + join(source);
  }

  private static String join(Map<String, Integer> m) {
    List<String> parts = new ArrayList<>();
    m.forEach((k, v) -> parts.add(k + " " + v));
    return String.join(", ", parts);
  }

  static List<String[]> throughput(Throughput t) {
    List<String[]> f = new ArrayList<>();
    f.add(row("wall time", Text.duration(t.wallSeconds()) + " (first event to last)"));
    f.add(
        row(
            "steps computed",
            Text.count(t.stepsComputed())
                + " (those a rollback or resume threw away included), "
                + Text.duration(t.stepSeconds())
                + " of them in steps"));
    f.add(
        row(
            "throughput",
            Text.num(t.stepsPerSecond())
                + " steps/s, "
                + Text.count(Math.round(t.tokensPerSecond()))
                + " tokens/s over the wall time"));
    return f;
  }

  static List<String[]> agent(RunReport r) {
    Agent a = r.agent();
    List<String[]> f = new ArrayList<>();
    f.add(row("mode", a.mode()));
    f.add(row("decisions", a.decisions() + " (" + a.commands() + " sent a command)"));
    f.add(
        row(
            "tokens",
            Text.count(a.tokens())
                + " ("
                + Text.count(a.inputTokens())
                + " in, "
                + Text.count(a.outputTokens())
                + " out, of which "
                + Text.count(a.reasoningTokens())
                + " reasoning)"));
    f.add(row("cost", Text.usd(a.costUsd()) + " (metered from the token usage)"));
    if (!a.budget().isEmpty()) {
      f.add(row("budget", flat(a.budget())));
    }
    return f;
  }

  static List<String[]> run(Run run) {
    List<String[]> f = new ArrayList<>();
    f.add(row("run id", run.id()));
    f.add(row("directory", run.dirArg()));
    f.add(row("started", time(run.started()) + " UTC"));
    f.add(row("last event", time(run.lastEvent()) + " UTC"));
    f.add(row("workload", run.workload()));
    f.add(row("model", flat(run.model())));
    f.add(row("configuration", flat(run.config())));
    StringBuilder agent = new StringBuilder();
    for (String k : AGENT_KEYS) {
      Object v = run.agentSpec().get(k);
      if (v != null) {
        agent
            .append(agent.length() == 0 ? "" : ", ")
            .append(k)
            .append(' ')
            .append(v instanceof Map<?, ?> m ? "{" + flat(m) + "}" : Text.value(v));
      }
    }
    f.add(row("agent", agent.length() == 0 ? "off" : agent.toString()));
    if (!run.device().isEmpty()) {
      f.add(row("device", device(run.device())));
    }
    f.add(row("coxswain", run.version()));
    return f;
  }

  /** {@code gpu:0 (NVIDIA H200), auto: ..., libtorch 2.7.1 cu128 at DIR}. */
  private static String device(Map<?, ?> d) {
    Map<?, ?> lt = d.get("libtorch") instanceof Map<?, ?> m ? m : Map.of();
    return Text.value(d.get("name"))
        + (d.get("gpu_name") != null ? " (" + d.get("gpu_name") + ")" : "")
        + ", "
        + Text.value(d.get("why"))
        + ", libtorch "
        + Text.value(lt.get("version"))
        + " "
        + Text.value(lt.get("flavor"))
        + " at "
        + Text.value(lt.get("path"));
  }

  /** A JSON object on one line: {@code layers 2, embed 128, data {batch_size 32}}. */
  static String flat(Map<?, ?> m) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object v = e.getValue();
      parts.add(
          e.getKey() + " " + (v instanceof Map<?, ?> x ? "{" + flat(x) + "}" : Text.value(v)));
    }
    return String.join(", ", parts);
  }

  private static String[] row(String name, String value) {
    return new String[] {name, value};
  }
}
