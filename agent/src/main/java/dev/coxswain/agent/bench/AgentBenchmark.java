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
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.KnobType;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.GoalProgress;
import dev.coxswain.protocol.event.Payload;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
    List<Knob> specs = new ArrayList<>();
    for (Object[] k :
        new Object[][] {
          {"lr", 0.1, 0.0, 10.0},
          {"weight_decay", 0.01, 0.0, 1.0},
          {"max_grad_norm", 1.0, 0.0, 1e6},
          {"beta1", 0.9, 0.0, 0.9999},
          {"beta2", 0.99, 0.0, 0.99999},
          {"eps", 1e-8, 1e-12, 1e-2}
        }) {
      specs.add(
          new Knob(
              (String) k[0], KnobType.DOUBLE, (double) k[1], (double) k[2], (double) k[3], null));
    }
    out.add(
        Event.of(
            "r",
            "main",
            from,
            new Payload.Knobs(Map.of("lr", 0.1), specs, null, null, null, null, null, null)));
    for (long s = from; s < from + steps; s++) {
      double loss = 3.2 - 0.004 * (s - from) + r.nextGaussian() * 0.15;
      out.add(Event.of("r", "main", s, metrics(loss, 2.0 + r.nextGaussian() * 0.5)));
      if (s == from + 49) {
        Command c =
            new Command("c1", "set_knobs", Source.HUMAN, Map.of("weight_decay", 0.05), null, null);
        out.add(Event.of("r", "main", s, new Payload.CommandSent(c)));
        out.add(
            Event.of(
                "r",
                "main",
                s,
                new Payload.Result(
                    new CommandResult("c1", null, CommandStatus.APPLIED, s + 1, null, null))));
      }
    }
    out.add(
        Event.of(
            "r",
            "main",
            from + steps - 1,
            new Payload.Eval(2.9, 18.2, null, null, null, null, null, null)));
    return out;
  }

  /** A healthy step's figures at lr 0.1. */
  private static Payload.Metrics metrics(double loss, double gradNorm) {
    return new Payload.Metrics(loss, 0.1, gradNorm, 1.0, null, 0.0, 0.0, false);
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
                  public void emit(Payload payload) {}
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
  private static Payload.Eval evalWithGoal(long s, long last) {
    double v = 3.0 * Math.exp(-s / 3000.0) + 0.6;
    GoalProgress g =
        new GoalProgress(
            "eval_loss",
            "minimize",
            1.0,
            last,
            5,
            false,
            v,
            v,
            s,
            false,
            0,
            false,
            false,
            last - s);
    return new Payload.Eval(v, null, null, null, null, null, null, g);
  }

  /** A long, healthy run with evaluations, a person's commands and one rollback. */
  private static void syntheticRun(int decisions, int every, List<Event> out) {
    Random r = new Random(11);
    out.addAll(syntheticWindow(1, 1).subList(0, 1)); // the knob table
    long seq = 1;
    for (long s = 1; s <= (long) decisions * every; s++) {
      double loss = 3.2 * Math.exp(-s / 3000.0) + 0.5 + r.nextGaussian() * 0.05;
      out.add(Event.of("r", "main", s, metrics(loss, 2.0 + r.nextGaussian() * 0.5)).withSeq(++seq));
      if (s % 50 == 0) {
        out.add(Event.of("r", "main", s, evalWithGoal(s, (long) decisions * every)).withSeq(++seq));
      }
      if (s % (7L * every) == every / 2) {
        Command c = new Command("h" + s, "set_knobs", Source.HUMAN, Map.of("lr", 0.1), null, null);
        out.add(Event.of("r", "main", s, new Payload.CommandSent(c)).withSeq(++seq));
      }
      if (s == (long) (decisions / 2) * every + every / 2) {
        long back = s - 2 * every;
        Payload.Branch b = new Payload.Branch("b1", "main/" + back, "main", s, back + 1);
        out.add(Event.of("r", "main", s, b).withSeq(++seq));
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
