package dev.coxswain.agent.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.policy.Usage;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.agent.summary.Summarizer;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/** Prompt size, summary cost and what an overnight run would cost with o4-mini. */
public final class AgentBenchmark {
  private AgentBenchmark() {}

  /** Figures for one prompt. */
  public record PromptFigures(String prompt, int inputTokens, int summaryChars) {}

  /**
   * The lr-recovery prompt after many decisions, its memory grown.
   *
   * @param decisions decisions taken
   * @param inputTokens the last prompt's input tokens
   * @param maxInputTokens the largest prompt's
   * @param memoryTokens the last prompt's memory alone
   */
  public record MemoryFigures(
      int decisions, int inputTokens, int maxInputTokens, int memoryTokens) {}

  /** All figures. */
  public record Result(
      List<PromptFigures> prompts,
      double summaryMicros,
      int decisions,
      double usdLow,
      double usdHigh,
      int outputLow,
      int outputHigh) {}

  /**
   * A realistic window: 100 noisy, falling steps, an evaluation, the knob table and two commands.
   */
  public static List<Event> syntheticWindow(long from, int steps) {
    Random r = new Random(7);
    List<Event> out = new ArrayList<>();
    List<Map<String, Object>> specs = new ArrayList<>();
    for (Object[] k :
        new Object[][] {
          {"lr", 0.1, 0.0, 10.0},
          {"weight_decay", 0.01, 0.0, 1.0},
          {"max_grad_norm", 1.0, 0.0, 1e6},
          {"beta1", 0.9, 0.0, 0.9999},
          {"beta2", 0.99, 0.0, 0.99999},
          {"eps", 1e-8, 1e-12, 1e-2}
        }) {
      specs.add(Map.of("name", k[0], "type", "double", "value", k[1], "min", k[2], "max", k[3]));
    }
    out.add(
        new Event(
            0,
            "r",
            "main",
            from,
            EventType.KNOBS,
            Instant.now(),
            Map.of("knobs", Map.of("lr", 0.1), "specs", specs)));
    for (long s = from; s < from + steps; s++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("loss", 3.2 - 0.004 * (s - from) + r.nextGaussian() * 0.15);
      m.put("lr", 0.1);
      m.put("grad_norm", 2.0 + r.nextGaussian() * 0.5);
      m.put("skipped", false);
      out.add(new Event(0, "r", "main", s, EventType.METRICS, Instant.now(), m));
      if (s == from + 49) {
        out.add(
            new Event(
                0,
                "r",
                "main",
                s,
                EventType.COMMAND,
                Instant.now(),
                Map.of(
                    "id",
                    "c1",
                    "type",
                    "set_knobs",
                    "source",
                    "human",
                    "args",
                    Map.of("weight_decay", 0.05))));
        out.add(
            new Event(
                0,
                "r",
                "main",
                s,
                EventType.COMMAND_RESULT,
                Instant.now(),
                Map.of("command_id", "c1", "status", "applied", "step", s + 1)));
      }
    }
    out.add(
        new Event(
            0,
            "r",
            "main",
            from + steps - 1,
            EventType.EVAL,
            Instant.now(),
            Map.of("eval_loss", 2.9, "perplexity", 18.2)));
    return out;
  }

  /** Input tokens of a policy's prompt for a summary: its messages with OpenAI's framing. */
  static int tokens(Encoding enc, OpenAiPolicy p, Summary s) {
    int tokens = 3; // the reply primer
    for (ChatMessage m : p.messages(s)) {
      String text = m instanceof SystemMessage sm ? sm.text() : ((UserMessage) m).singleText();
      tokens += 4 + enc.countTokens(text); // per-message framing
    }
    return tokens;
  }

  /**
   * Runs a real {@link Supervisor} over a synthetic run of {@code decisions} windows of {@code
   * every} steps (an evaluation every 50 steps, a person's knob command every 7th window, one
   * rollback), its policy answering halve, keep, double, keep in turn, and measures the lr-recovery
   * prompt of each decision, memory included.
   */
  public static MemoryFigures afterDecisions(int decisions, int every) throws Exception {
    Encoding enc = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    Guardrails.Config g = Guardrails.Config.lrRecovery();
    OpenAiPolicy llm =
        new OpenAiPolicy(
            new OpenAiPolicy.Options(
                "http://127.0.0.1:1/v1", "unused", "o4-mini", "low", 1000, Duration.ofSeconds(1)),
            PromptTemplate.load("lr-recovery", null),
            g.permitted(),
            every);
    Measuring measuring = new Measuring(enc, llm);
    Path dir = Files.createTempDirectory("coxswain-bench-agent");
    List<Event> events = new ArrayList<>();
    try (Journal journal = new Journal(dir.resolve("agent.jsonl"));
        Supervisor sup =
            new Supervisor(
                SupervisorConfig.defaults().withEvery(every),
                measuring,
                measuring,
                new Guardrails(g),
                null,
                journal,
                new Supervisor.Gateway() {
                  @Override
                  public CompletableFuture<CommandResult> submit(Command c) {
                    return CompletableFuture.completedFuture(CommandResult.applied(c, 0, Map.of()));
                  }

                  @Override
                  public void emit(EventType type, Map<String, Object> payload) {}
                },
                "lr-recovery")) {
      syntheticRun(decisions, every, events);
      events.forEach(sup::accept);
      sup.drain(600);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
    return new MemoryFigures(decisions, measuring.last, measuring.max, measuring.memory);
  }

  /** A policy that measures each prompt it would send, answering halve, keep, double, keep. */
  private static final class Measuring implements Policy {
    private static final String[] TURNS = {"halve", "keep", "double", "keep"};
    private final Encoding enc;
    private final OpenAiPolicy llm;
    private int n;
    int last;
    int max;
    int memory;

    Measuring(Encoding enc, OpenAiPolicy llm) {
      this.enc = enc;
      this.llm = llm;
    }

    @Override
    public String name() {
      return "bench";
    }

    @Override
    public Answer decide(Summary s) {
      last = tokens(enc, llm, s);
      max = Math.max(max, last);
      memory = enc.countTokens(s.memory());
      String a = TURNS[n++ % TURNS.length];
      Decision d = a.equals("keep") ? Decision.keep("steady") : new Decision(a, null, "bench");
      return new Answer(d, Usage.NONE, "", "", 1, null);
    }
  }

  /** An evaluation of the synthetic run, with a goal (minimize eval_loss by the last step). */
  private static Map<String, Object> evalWithGoal(long s, long last) {
    double v = 3.0 * Math.exp(-s / 3000.0) + 0.6;
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("metric", "eval_loss");
    g.put("direction", "minimize");
    g.put("target", 1.0);
    g.put("deadline", last);
    g.put("patience", 5);
    g.put("stop_early", false);
    g.put("value", v);
    g.put("best", v);
    g.put("best_step", s);
    g.put("evals_since_best", 0);
    g.put("target_met", false);
    g.put("stalled", false);
    g.put("steps_left", last - s);
    return Map.of("eval_loss", v, "goal", g);
  }

  /** A long, healthy run with evaluations, a person's commands and one rollback. */
  private static void syntheticRun(int decisions, int every, List<Event> out) {
    Random r = new Random(11);
    out.addAll(syntheticWindow(1, 1).subList(0, 1)); // the knob table
    long seq = 1;
    for (long s = 1; s <= (long) decisions * every; s++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("loss", 3.2 * Math.exp(-s / 3000.0) + 0.5 + r.nextGaussian() * 0.05);
      m.put("lr", 0.1);
      m.put("grad_norm", 2.0 + r.nextGaussian() * 0.5);
      m.put("skipped", false);
      out.add(new Event(++seq, "r", "main", s, EventType.METRICS, Instant.now(), m));
      if (s % 50 == 0) {
        out.add(
            new Event(
                ++seq,
                "r",
                "main",
                s,
                EventType.EVAL,
                Instant.now(),
                evalWithGoal(s, (long) decisions * every)));
      }
      if (s % (7L * every) == every / 2) {
        out.add(
            new Event(
                ++seq,
                "r",
                "main",
                s,
                EventType.COMMAND,
                Instant.now(),
                Map.of(
                    "id",
                    "h" + s,
                    "type",
                    "set_knobs",
                    "source",
                    "human",
                    "args",
                    Map.of("lr", 0.1))));
      }
      if (s == (long) (decisions / 2) * every + every / 2) {
        out.add(
            new Event(
                ++seq,
                "r",
                "main",
                s,
                EventType.BRANCH,
                Instant.now(),
                Map.of(
                    "branch",
                    "b1",
                    "checkpoint",
                    "main/" + (s - 2 * every),
                    "resumes_at_step",
                    s - 2 * every + 1)));
      }
    }
  }

  public static Result run(
      List<Event> window,
      int runSteps,
      int every,
      int outputLow,
      int outputHigh,
      double inPrice,
      double outPrice)
      throws IOException {
    Encoding enc = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    Summarizer z = new Summarizer();
    window.forEach(z::accept);
    Summary s = z.summarize();
    List<PromptFigures> figures = new ArrayList<>();
    int lrTokens = 0;
    for (String name : List.of("lr-recovery", "supervisor")) {
      Guardrails.Config g =
          name.equals("supervisor")
              ? Guardrails.Config.supervisor()
              : Guardrails.Config.lrRecovery();
      OpenAiPolicy p =
          new OpenAiPolicy(
              new OpenAiPolicy.Options(
                  "http://127.0.0.1:1/v1", "unused", "o4-mini", "low", 1000, Duration.ofSeconds(1)),
              PromptTemplate.load(name, null),
              g.permitted(),
              every);
      int tokens = tokens(enc, p, s);
      if (name.equals("supervisor")) {
        tokens += 30 * g.permitted().size(); // tool definitions, measured roughly per tool
      }
      figures.add(new PromptFigures(name, tokens, s.render().length()));
      if (name.equals("lr-recovery")) {
        lrTokens = tokens;
      }
    }
    // summary build time: feed a window and summarize, many times
    int reps = 2000;
    long[] times = new long[reps];
    for (int i = 0; i < reps; i++) {
      Summarizer w = new Summarizer();
      long t0 = System.nanoTime();
      window.forEach(w::accept);
      w.summarize().render();
      times[i] = System.nanoTime() - t0;
    }
    Arrays.sort(times);
    int decisions = runSteps / every;
    double low = decisions * (lrTokens * inPrice + outputLow * outPrice) / 1e6;
    double high = decisions * (lrTokens * inPrice + outputHigh * outPrice) / 1e6;
    return new Result(
        figures, times[reps / 2] / 1000.0, decisions, low, high, outputLow, outputHigh);
  }
}
