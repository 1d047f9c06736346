package dev.coxswain.agent.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.agent.summary.Summarizer;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Prompt size, summary cost and what an overnight run would cost with o4-mini. */
public final class AgentBenchmark {
  private AgentBenchmark() {}

  /** Figures for one prompt. */
  public record PromptFigures(String prompt, int inputTokens, int summaryChars) {}

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
      int tokens = 3; // the reply primer
      for (ChatMessage m : p.messages(s)) {
        String text = m instanceof SystemMessage sm ? sm.text() : ((UserMessage) m).singleText();
        tokens += 4 + enc.countTokens(text); // per-message framing
      }
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
