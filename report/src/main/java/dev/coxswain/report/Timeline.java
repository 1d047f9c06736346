package dev.coxswain.report;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.report.RunReport.Decision;
import dev.coxswain.report.RunReport.Entry;
import dev.coxswain.report.RunReport.Intervention;
import dev.coxswain.report.RunReport.Kept;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Commands with their one result and, when an agent sent them, its decision; and the decisions that
 * sent no command, a run of the same ones in a row as one row. Also what the agent spent.
 */
final class Timeline {
  private final Map<String, Intervention> commands = new LinkedHashMap<>();
  private final Map<String, Decision> decisionOf = new LinkedHashMap<>(); // command id -> decision
  private final Map<String, Event> decisionAt = new LinkedHashMap<>(); // its agent_decision
  private final List<Kept> kept = new ArrayList<>();
  private Kept lastKept; // the group a decision without a command may join
  int decisions;
  int agentCommands;
  long inputTokens;
  long outputTokens;
  long reasoningTokens;
  double costUsd;

  Collection<Intervention> interventions() {
    return commands.values();
  }

  /** A command received, at event {@code e}. */
  void command(Event e, Command c) {
    commands.put(
        c.id(),
        new Intervention(
            e.seq(),
            e.step(),
            e.branch(),
            e.time(),
            c.id(),
            c.source().wire(),
            c.type(),
            c.args(),
            c.reason(),
            "pending",
            null,
            null,
            Map.of(),
            decisionOf.remove(c.id())));
    lastKept = null; // a command between two decisions ends a run of "keep"
  }

  /** A command's one result. */
  void result(CommandResult r) {
    Intervention c = commands.get(r.commandId());
    if (c == null) {
      return; // its command is older than this log (it cannot be: the log is whole)
    }
    commands.put(
        c.id(),
        new Intervention(
            c.seq(),
            c.step(),
            c.branch(),
            c.time(),
            c.id(),
            c.source(),
            c.type(),
            c.args(),
            c.reason(),
            r.status().wire(),
            r.step(),
            r.reason(),
            r.detail(),
            c.decision()));
  }

  /** An agent's decision, at event {@code e}. */
  void decision(Event e, Payload.AgentDecision p) {
    Decision d = decision(p);
    Payload.Usage usage = p.usage() != null ? p.usage() : new Payload.Usage(0, 0, 0);
    decisions++;
    inputTokens += usage.inputTokens();
    outputTokens += usage.outputTokens();
    reasoningTokens += usage.reasoningTokens();
    costUsd += d.costUsd();
    if (p.commandId() != null) {
      String id = p.commandId();
      agentCommands++;
      Intervention c = commands.get(id);
      if (c == null) {
        decisionOf.put(id, d); // the decision's event came before its command's
        decisionAt.put(id, e);
      } else {
        commands.put(id, withDecision(c, d));
      }
      return;
    }
    if (lastKept != null
        && lastKept.policy().equals(d.policy())
        && lastKept.action().equals(d.action())
        && lastKept.rationale().equals(d.rationale())) {
      Kept k = lastKept;
      lastKept =
          new Kept(
              k.seq(),
              k.step(),
              k.time(),
              d.step(),
              k.count() + 1,
              k.policy(),
              k.action(),
              k.rationale(),
              k.tokens() + d.tokens(),
              k.costUsd() + d.costUsd());
      kept.set(kept.size() - 1, lastKept);
    } else {
      lastKept =
          new Kept(
              e.seq(),
              d.step(),
              e.time(),
              d.step(),
              1,
              d.policy(),
              d.action(),
              d.rationale(),
              d.tokens(),
              d.costUsd());
      kept.add(lastKept);
    }
  }

  private static Decision decision(Payload.AgentDecision p) {
    Payload.Decision d =
        p.decision() != null ? p.decision() : new Payload.Decision(null, null, null);
    List<String> notes = new ArrayList<>();
    if (p.notes() != null) {
      p.notes().forEach(n -> notes.add(String.valueOf(n)));
    }
    if (p.guardrailEdits() != null) {
      p.guardrailEdits().forEach(n -> notes.add("guardrail: " + n));
    }
    return new Decision(
        p.id(),
        p.step(),
        ReportBuilder.text(p.policy()),
        ReportBuilder.text(d.action()),
        d.args() != null ? d.args() : Map.of(),
        ReportBuilder.text(d.rationale()),
        notes,
        p.usage() == null ? 0 : p.usage().inputTokens() + p.usage().outputTokens(),
        p.costUsd() != null ? p.costUsd() : 0);
  }

  private static Intervention withDecision(Intervention c, Decision d) {
    return new Intervention(
        c.seq(),
        c.step(),
        c.branch(),
        c.time(),
        c.id(),
        c.source(),
        c.type(),
        c.args(),
        c.reason(),
        c.status(),
        c.resultStep(),
        c.resultReason(),
        c.detail(),
        d);
  }

  List<Entry> entries() {
    List<Entry> out = new ArrayList<>(commands.values());
    out.addAll(kept);
    // decisions whose command was never recorded (the trainer did not take it)
    for (Map.Entry<String, Decision> d : decisionOf.entrySet()) {
      Decision x = d.getValue();
      Event at = decisionAt.get(d.getKey());
      out.add(
          new Kept(
              at.seq(),
              x.step(),
              at.time(),
              x.step(),
              1,
              x.policy(),
              x.action(),
              x.rationale() + " (its command " + d.getKey() + " was not recorded)",
              x.tokens(),
              x.costUsd()));
    }
    out.sort(Comparator.comparingLong(Entry::seq));
    return out;
  }
}
