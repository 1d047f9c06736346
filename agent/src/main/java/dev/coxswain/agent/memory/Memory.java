package dev.coxswain.agent.memory;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The agent's memory of its own decisions in this run, for its next prompts: for each decision what
 * it did, the train loss (window mean) and the eval loss before it and over the window after it,
 * whether a person overrode it (a human command on the same knob within that window) and whether it
 * was rolled back (a later branch resumed from a checkpoint before it). Bounded in tokens
 * (o200k_base, the o4-mini encoding): past the cap, the oldest decisions are folded into one
 * summary line, and that line is dropped if even it does not fit. Fed from one thread.
 */
public final class Memory {
  /** Tokens the rendered memory may take by default. */
  public static final int DEFAULT_MAX_TOKENS = 400;

  private static final String HEADER =
      "Your earlier decisions in this run, oldest first (train loss window mean before -> after"
          + " the window that followed; eval loss likewise):";

  private static final class Tokens {
    static final Encoding ENC =
        Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }

  /** One decision and what followed it. */
  static final class Entry {
    final long step;
    final String action;
    final String change;
    final Set<String> knobs;
    final double lossBefore;
    final double evalBefore;
    double lossAfter = Double.NaN;
    double evalAfter = Double.NaN;
    boolean closed;
    String override;
    String rollback;

    Entry(long step, String action, String change, Set<String> knobs, double loss, double eval) {
      this.step = step;
      this.action = action;
      this.change = change;
      this.knobs = knobs;
      this.lossBefore = loss;
      this.evalBefore = eval;
    }
  }

  private final int maxTokens;
  private final List<Entry> entries = new ArrayList<>();
  private int folded; // entries[0, folded) are summarized in one line
  private double lastEval = Double.NaN;
  private boolean evalInWindow;

  public Memory() {
    this(DEFAULT_MAX_TOKENS);
  }

  public Memory(int maxTokens) {
    if (maxTokens < 50) {
      throw new IllegalArgumentException("the memory needs at least 50 tokens, got " + maxTokens);
    }
    this.maxTokens = maxTokens;
  }

  public int maxTokens() {
    return maxTokens;
  }

  /** Decisions remembered, folded ones included. */
  public int size() {
    return entries.size();
  }

  /**
   * Takes an event of the run: evaluations, a person's commands, branches.
   *
   * @throws MalformedPayloadException when its payload does not have its type's shape
   */
  public void accept(Event e) {
    accept(e, e.body());
  }

  /** Takes an event of the run whose payload is already decoded ({@code body}). */
  public void accept(Event e, Payload body) {
    if (body instanceof Payload.Eval ev) {
      // the last evaluation of any branch, as the window saw it (not RunState's per branch)
      lastEval = ev.evalLoss();
      evalInWindow = true;
    } else if (body instanceof Payload.CommandSent sent) {
      Command c = sent.command();
      if (c.source() == Source.HUMAN && !entries.isEmpty()) {
        Entry open = entries.get(entries.size() - 1);
        Set<String> touched = knobsOf(String.valueOf(c.type()), c.args());
        touched.retainAll(open.knobs);
        if (!touched.isEmpty() && open.override == null) {
          open.override = "step " + e.step() + " " + c.type() + " " + touched;
        }
      }
    } else if (body instanceof Payload.Branch b) {
      for (Entry x : entries) {
        if (x.step >= b.resumesAtStep() && x.rollback == null) {
          x.rollback = "at step " + e.step() + " to " + b.checkpoint();
        }
      }
    }
  }

  /**
   * A window ended (at a decision point): it is what followed the previous decision, if that one
   * has no window after it yet.
   */
  public void windowEnded(Summary window) {
    if (!entries.isEmpty() && !entries.get(entries.size() - 1).closed) {
      Entry prev = entries.get(entries.size() - 1);
      prev.lossAfter = meanLoss(window);
      prev.evalAfter = evalInWindow ? lastEval : Double.NaN;
      prev.closed = true;
    }
    evalInWindow = false;
  }

  /**
   * Records a decision taken at the end of {@code window} (after {@link #windowEnded}).
   *
   * @param action what the policy decided
   * @param commandType the command it became, or null when none (kept, or refused)
   * @param commandArgs its arguments
   * @param refusal why no command was sent (the guardrails' words), or null
   */
  public void decided(
      long step,
      Summary window,
      String action,
      String commandType,
      Map<String, Object> commandArgs,
      String refusal) {
    Set<String> knobs = commandType == null ? Set.of() : knobsOf(commandType, commandArgs);
    String change = describe(window, commandType, commandArgs, refusal);
    entries.add(new Entry(step, action, change, knobs, meanLoss(window), lastEval));
  }

  private static double meanLoss(Summary window) {
    Summary.Series loss = window.series().get("train_loss");
    return loss == null || loss.count() == 0 ? Double.NaN : loss.mean();
  }

  private static String describe(Summary w, String type, Map<String, Object> args, String refusal) {
    if (type == null) {
      return refusal == null ? "" : " (not sent: " + refusal + ")";
    }
    if (!type.equals("set_knobs")) {
      return " (" + type + (args.isEmpty() ? "" : " " + args) + ")";
    }
    StringBuilder sb = new StringBuilder(" (");
    for (Map.Entry<String, Object> a : new TreeMap<>(args).entrySet()) {
      double before =
          w.knobs().stream()
              .filter(k -> k.name().equals(a.getKey()))
              .mapToDouble(Summary.KnobView::value)
              .findFirst()
              .orElse(Double.NaN);
      if (sb.length() > 2) {
        sb.append(", ");
      }
      sb.append(a.getKey()).append(' ').append(g(before)).append("->").append(g(a.getValue()));
    }
    return sb.append(')').toString();
  }

  // a command's arguments, not an event's payload: commands stay loose until Action.parse
  private static Set<String> knobsOf(String type, Map<String, Object> args) {
    Set<String> out = new TreeSet<>();
    if (args == null) {
      return out;
    }
    switch (type) {
      case "set_knobs" -> out.addAll(args.keySet());
      case "scale_knob", "lock_knob", "unlock_knob" -> {
        if (args.get("knob") instanceof String k) {
          out.add(k);
        }
      }
      default -> {}
    }
    return out;
  }

  /**
   * The memory as prompt text within the token cap: empty before the first decision. The oldest
   * decisions are folded first, and the fold only moves forward.
   */
  public String render() {
    if (entries.isEmpty()) {
      return "";
    }
    List<String> lines = new ArrayList<>();
    for (Entry x : entries) {
      lines.add(line(x));
    }
    int[] tokens = lines.stream().mapToInt(l -> 1 + count(l)).toArray();
    int verbatim = 0;
    for (int i = folded; i < tokens.length; i++) {
      verbatim += tokens[i];
    }
    int header = count(HEADER);
    while (folded < entries.size() - 1
        && header + verbatim + (folded > 0 ? 1 + count(fold()) : 0) > maxTokens) {
      verbatim -= tokens[folded];
      folded++;
    }
    StringBuilder sb = new StringBuilder(HEADER);
    if (folded > 0 && header + verbatim + 1 + count(fold()) <= maxTokens) {
      sb.append('\n').append(fold());
    }
    for (int i = folded; i < lines.size(); i++) {
      sb.append('\n').append(lines.get(i));
    }
    return sb.toString();
  }

  /** Tokens of a text, in the o4-mini encoding. */
  public static int count(String text) {
    return Tokens.ENC.countTokens(text);
  }

  private static String line(Entry x) {
    StringBuilder sb = new StringBuilder("- step ").append(x.step).append(' ').append(x.action);
    sb.append(x.change).append(": loss ").append(g(x.lossBefore)).append("->");
    sb.append(x.closed ? g(x.lossAfter) : "now");
    if (Double.isFinite(x.evalBefore) || Double.isFinite(x.evalAfter)) {
      sb.append(", eval ").append(g(x.evalBefore)).append("->");
      sb.append(x.closed ? g(x.evalAfter) : "now");
    }
    if (x.override != null) {
      sb.append("; a person overrode it (").append(x.override).append(')');
    }
    if (x.rollback != null) {
      sb.append("; rolled back ").append(x.rollback);
    }
    return sb.toString();
  }

  /** One line for the folded decisions. */
  private String fold() {
    Map<String, Integer> actions = new TreeMap<>();
    int overridden = 0;
    int rolledBack = 0;
    for (int i = 0; i < folded; i++) {
      Entry x = entries.get(i);
      actions.merge(x.action, 1, Integer::sum);
      overridden += x.override != null ? 1 : 0;
      rolledBack += x.rollback != null ? 1 : 0;
    }
    Entry first = entries.get(0);
    Entry last = entries.get(folded - 1);
    StringBuilder sb =
        new StringBuilder("- steps ")
            .append(first.step)
            .append('-')
            .append(last.step)
            .append(": ")
            .append(folded)
            .append(" older decisions (");
    actions.forEach((a, n) -> sb.append(a).append(' ').append(n).append(", "));
    sb.setLength(sb.length() - 2);
    sb.append("), ").append(overridden).append(" overridden by a person, ");
    sb.append(rolledBack).append(" rolled back; loss ").append(g(first.lossBefore)).append("->");
    return sb.append(g(last.lossAfter)).toString();
  }

  private static String g(Object v) {
    if (!(v instanceof Number n)) {
      return String.valueOf(v);
    }
    double d = n.doubleValue();
    return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4g", d) : "?";
  }
}
