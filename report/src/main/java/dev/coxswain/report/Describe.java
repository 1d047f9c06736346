package dev.coxswain.report;

import dev.coxswain.report.RunReport.Best;
import dev.coxswain.report.RunReport.Fork;
import dev.coxswain.report.RunReport.Health;
import dev.coxswain.report.RunReport.Intervention;
import dev.coxswain.report.RunReport.Kept;
import dev.coxswain.report.RunReport.Run;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The report's sentences, the same in HTML and Markdown: plain text (the writers escape it), built
 * from the run's values.
 */
final class Describe {
  private Describe() {}

  /** A way to use the best checkpoint: what it does, the language, and the exact text. */
  record HowTo(String what, String lang, String code) {}

  /** The command and its arguments: {@code set_knobs lr=5}. */
  static String what(Intervention c) {
    StringBuilder b = new StringBuilder(c.type());
    for (Map.Entry<String, Object> a : c.args().entrySet()) {
      b.append(' ').append(a.getKey()).append('=').append(Text.value(a.getValue()));
    }
    return b.toString();
  }

  /** Its one result: applied from step N (what changed), rejected (why), failed (the error). */
  static String result(Intervention c) {
    return switch (c.status()) {
      case "applied" -> "applied from step " + c.resultStep() + changes(c.detail());
      case "rejected" -> "rejected at step " + c.resultStep() + ": " + c.resultReason();
      case "failed" -> "failed at step " + c.resultStep() + ": " + c.resultReason();
      default -> "pending: no result yet";
    };
  }

  private static String changes(Map<String, Object> detail) {
    if (detail.isEmpty()) {
      return "";
    }
    if (detail.get("checkpoint") != null && detail.get("branch") != null) {
      return " (new branch "
          + detail.get("branch")
          + " from checkpoint "
          + detail.get("checkpoint")
          + "; "
          + detail.get("parent_branch")
          + " left at step "
          + detail.get("left_at_step")
          + ")";
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Object> d : detail.entrySet()) {
      if (d.getValue() instanceof Map<?, ?> m && m.containsKey("to")) {
        parts.add(d.getKey() + " " + Text.value(m.get("from")) + " → " + Text.value(m.get("to")));
      } else {
        parts.add(d.getKey() + " " + Text.value(d.getValue()));
      }
    }
    return ": " + String.join(", ", parts);
  }

  /** Why it was sent: its reason and, from an agent, the decision's rationale. */
  static String why(Intervention c) {
    String reason = c.reason() == null ? "" : c.reason();
    if (c.decision() == null) {
      return reason;
    }
    String d =
        "decision "
            + c.decision().id()
            + " ("
            + c.decision().policy()
            + " policy, "
            + c.decision().action()
            + ")";
    String rationale = c.decision().rationale();
    String text = rationale.equals(reason) || reason.isEmpty() ? rationale : reason;
    if (!rationale.equals(text) && !rationale.isEmpty()) {
      text += "; rationale: " + rationale;
    }
    if (!c.decision().notes().isEmpty()) {
      text += " [" + String.join("; ", c.decision().notes()) + "]";
    }
    return d + ": " + text;
  }

  /** Decisions that sent no command: steps 20-80, 4 decisions, keep. */
  static String kept(Kept k) {
    String steps = k.count() == 1 ? "step " + k.step() : "steps " + k.step() + "–" + k.lastStep();
    return steps
        + ": "
        + (k.count() == 1 ? "1 decision" : k.count() + " decisions")
        + " ("
        + k.policy()
        + " policy), "
        + k.action()
        + (k.tokens() > 0
            ? ", " + Text.count(k.tokens()) + " tokens, " + Text.usd(k.costUsd())
            : "");
  }

  /** Steps a group of health events covers: "step 12" or "steps 12–15 (4 events)". */
  static String steps(Health h) {
    return h.count() == 1
        ? "step " + h.step()
        : "steps " + h.step() + "–" + h.lastStep() + " (" + h.count() + " events)";
  }

  static String health(Health h) {
    if (h.count() == 1) {
      return h.message();
    }
    List<String> parts = new ArrayList<>();
    if (h.maxLoss() != null) {
      parts.add("highest loss " + Text.num(h.maxLoss()));
    }
    if (h.maxRatio() != null) {
      parts.add(Text.num(h.maxRatio()) + "x the window's mean at most");
    }
    return parts.isEmpty() ? "first: " + h.message() : String.join(", ", parts);
  }

  static String fork(Fork f) {
    if ("resume".equals(f.kind())) {
      return "resumed "
          + f.branch()
          + " from "
          + f.checkpoint()
          + ": steps from "
          + f.resumesAtStep()
          + " are trained again";
    }
    String by =
        f.cause() == null
            ? ""
            : " by "
                + f.cause().source()
                + (f.cause().reason() == null ? "" : ": " + f.cause().reason());
    return "rollback to "
        + f.checkpoint()
        + ": new branch "
        + f.branch()
        + " from step "
        + f.resumesAtStep()
        + "; "
        + f.parentBranch()
        + " left at step "
        + f.leftAtStep()
        + by;
  }

  /** The best evaluation in words: "validation loss 1.976 (perplexity 7.21) at b1/3000". */
  static String best(Best b) {
    String name = "eval_loss".equals(b.metric()) ? "validation loss" : b.metric();
    String v = name + " " + Text.num(b.value());
    if ("eval_loss".equals(b.metric())) {
      v += " (perplexity " + Text.num(Math.exp(b.value())) + ")";
    } else if (b.evalLoss() != null && Double.isFinite(b.evalLoss())) {
      v += ", validation loss " + Text.num(b.evalLoss());
    }
    return v + " at step " + b.step() + " of branch " + b.branch();
  }

  /** The exact commands that use the best checkpoint, for where the run stands now. */
  static List<HowTo> howTo(Run run, Best b) {
    List<HowTo> out = new ArrayList<>();
    String fork =
        "curl -X POST -H \"Authorization: Bearer $COXSWAIN_TOKEN\""
            + " -H 'Content-Type: application/json' \\\n  -d "
            + Text.sh(
                "{\"type\":\"load_checkpoint\",\"args\":{\"checkpoint\":"
                    + Text.json(b.checkpoint())
                    + "}}")
            + " \\\n  "
            + Text.sh(run.serverUrl() + "/api/runs/" + run.id() + "/commands");
    String resume = "./coxswain resume " + Text.sh(run.dirArg());
    boolean finished = "finished".equals(run.status());
    if (run.live()) {
      out.add(new HowTo("fork a new branch from it now, in the live run", "sh", fork));
    } else if (!finished && b.latest()) {
      out.add(new HowTo("continue the run from it (its newest checkpoint)", "sh", resume));
    } else if (!finished) {
      out.add(
          new HowTo(
              "continue the run (from its newest checkpoint), then fork a new branch from this one",
              "sh",
              resume + "\n" + fork));
    }
    String params = run.dirArg() + "/checkpoints/" + b.branch() + "/" + b.step() + "/params.bin";
    out.add(
        new HowTo(
            "load its parameters into the run's model (a DJL Block built with the same settings;"
                + " sha256 in meta.json beside it)",
            "java",
            "block.loadParameters(manager, new DataInputStream(Files.newInputStream(Path.of("
                + Text.json(params)
                + "))));"));
    return out;
  }
}
