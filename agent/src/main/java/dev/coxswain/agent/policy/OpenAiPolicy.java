package dev.coxswain.agent.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Json;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.TokenUsage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An LLM behind any OpenAI-compatible endpoint, through LangChain4j. With the {@code lr-recovery}
 * prompt it asks for a JSON answer (double, halve or keep) true to a strict JSON schema ({@code
 * response_format: json_schema}); with {@code supervisor} it offers the permitted commands as
 * strict tools generated from the run's registered knobs (bounds and types) and actions. A provider
 * that refuses the schema (an HTTP 400 about response_format, json_schema, strict or tools) is
 * asked again at once in the prompt-only form, and so from then on; the first answer after the
 * switch says so in its note, once. One call per {@link #decide}: retries, budgets and fallbacks
 * are the decorators'. An answer that is not a decision is asked again once, saying what was wrong.
 * Each prompt carries the summary's memory and a person's words when it has them.
 */
public final class OpenAiPolicy implements Policy {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenAiPolicy.class);

  /** What an OpenAI-compatible server that cannot do structured output says about it. */
  private static final java.util.regex.Pattern REFUSAL =
      java.util.regex.Pattern.compile(
          "response_format|json_schema|strict|\\btools?\\b|tool_choice|function",
          java.util.regex.Pattern.CASE_INSENSITIVE);

  /**
   * How to reach the model.
   *
   * @param baseUrl e.g. {@code https://api.openai.com/v1} or a local server
   * @param apiKey never logged, journaled or returned
   * @param model e.g. {@code o4-mini}
   * @param reasoningEffort low, medium or high (o-series); null to leave out
   * @param maxCompletionTokens cap on output (reasoning included)
   * @param timeout per call
   */
  public record Options(
      String baseUrl,
      String apiKey,
      String model,
      String reasoningEffort,
      int maxCompletionTokens,
      Duration timeout) {
    public Options {
      URI u;
      try {
        u = URI.create(baseUrl);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("OpenAI base URL is not a URL: '" + baseUrl + "'");
      }
      if (u.getScheme() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getHost() == null) {
        throw new IllegalArgumentException(
            "OpenAI base URL must be http(s)://host/..., got '" + baseUrl + "'");
      }
      if (apiKey == null || apiKey.isBlank()) {
        throw new IllegalArgumentException("an API key is required: set OPENAI_API_KEY");
      }
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("a model name is required");
      }
    }

    @Override
    public String toString() {
      return "Options[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=(redacted)]";
    }
  }

  private final OpenAiChatModel model;
  private final PromptTemplate prompt;
  private final Set<String> permitted;
  private final int every;
  private final boolean tools;
  private volatile boolean structured = true;
  private String pendingNote; // the switch to prompt-only, said once

  public OpenAiPolicy(Options o, PromptTemplate prompt, Set<String> permitted, int every) {
    OpenAiChatModel.OpenAiChatModelBuilder b =
        OpenAiChatModel.builder()
            .httpClientBuilder(new ProviderHttpClient.Builder())
            .baseUrl(o.baseUrl())
            .apiKey(o.apiKey())
            .modelName(o.model())
            .maxCompletionTokens(o.maxCompletionTokens())
            .timeout(o.timeout())
            .strictTools(true)
            .strictJsonSchema(true)
            .maxRetries(0); // retries with Retry-After and a circuit breaker are ours
    if (o.reasoningEffort() != null) {
      b.reasoningEffort(o.reasoningEffort());
    }
    this.model = b.build();
    this.prompt = prompt;
    this.permitted = permitted;
    this.every = every;
    this.tools = prompt.name().equals("supervisor");
  }

  @Override
  public String name() {
    return "openai";
  }

  /**
   * Whether answers are asked for true to a schema (false once the provider refused one: then the
   * prompt alone says the form).
   */
  public boolean structured() {
    return structured;
  }

  /** How a person's words appear in a prompt. */
  public static String personBlock(String words) {
    return words == null || words.isBlank()
        ? ""
        : "A person running this training says: \""
            + words
            + "\"\n(Their words guide you; the bounds and their locks still hold.)\n";
  }

  /**
   * The two messages for a summary (also used to count tokens). The memory and a person's words go
   * where the prompt has {@code {{memory}}} and {@code {{person}}}, else at the end.
   */
  public List<ChatMessage> messages(Summary s) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("summary", s.render());
    v.put("every", Integer.toString(every));
    v.put("from_step", Long.toString(s.fromStep()));
    v.put("to_step", Long.toString(s.toStep()));
    v.put("permitted", String.join(", ", permitted.stream().sorted().toList()));
    String memory = s.memory().isEmpty() ? "" : s.memory() + "\n";
    String person = personBlock(s.personWords());
    String goalText = s.goal() == null ? "" : s.goal().render() + "\n";
    v.put("memory", memory);
    v.put("person", person);
    v.put("goal", goalText);
    String user = prompt.user(v);
    if (!prompt.placeholders().contains("goal")) {
      user += goalText.isEmpty() ? "" : "\n\n" + goalText.strip();
    }
    if (!prompt.placeholders().contains("memory")) {
      user += memory.isEmpty() ? "" : "\n\n" + memory.strip();
    }
    if (!prompt.placeholders().contains("person")) {
      user += person.isEmpty() ? "" : "\n\n" + person.strip();
    }
    return List.of(SystemMessage.from(prompt.system(v)), UserMessage.from(user));
  }

  @Override
  public Answer decide(Summary s) throws PolicyException {
    List<ChatMessage> messages = new ArrayList<>(messages(s));
    String promptText =
        ((SystemMessage) messages.get(0)).text()
            + "\n\n"
            + ((UserMessage) messages.get(1)).singleText();
    Usage used = Usage.NONE;
    String problem = null;
    for (int attempt = 1; attempt <= 2; attempt++) {
      ChatResponse r = ask(messages, s, used);
      used = used.plus(usage(r.tokenUsage()));
      AiMessage ai = r.aiMessage();
      String raw =
          ai.hasToolExecutionRequests()
              ? ai.toolExecutionRequests().get(0).name()
                  + " "
                  + ai.toolExecutionRequests().get(0).arguments()
              : String.valueOf(ai.text());
      try {
        Decision d =
            ai.hasToolExecutionRequests()
                ? ToolCalls.decision(ai.toolExecutionRequests().get(0), permitted, s)
                : fromJson(ai.text());
        return new Answer(d, used, promptText, raw, attempt, notes(problem));
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
        if (attempt == 2) {
          throw new PolicyException(
              PolicyException.Kind.UNPARSEABLE, "unusable answer twice: " + problem, -1, used);
        }
        messages.add(ai.hasToolExecutionRequests() ? AiMessage.from(raw) : ai);
        messages.add(
            UserMessage.from(
                "That answer could not be used: "
                    + problem
                    + ". Answer again, in the required form only."));
      }
    }
    throw new IllegalStateException("unreachable");
  }

  /** The re-ask's problem and, once, the switch to prompt-only. */
  private synchronized String notes(String problem) {
    String n = pendingNote;
    pendingNote = null;
    if (n == null) {
      return problem;
    }
    return problem == null ? n : n + "; " + problem;
  }

  /** Asks true to the schema while the provider takes one; after a refusal, by the prompt alone. */
  private ChatResponse ask(List<ChatMessage> messages, Summary s, Usage used)
      throws PolicyException {
    if (structured) {
      try {
        return call(request(messages, s, true), used);
      } catch (PolicyException e) {
        if (!refusedSchema(e)) {
          throw e;
        }
        structured = false;
        synchronized (this) {
          pendingNote =
              "the provider refused structured answers ("
                  + e.getMessage()
                  + "); answers are asked for by the prompt alone from now on";
        }
        LOG.warn("agent: {}", pendingNote);
      }
    }
    return call(request(messages, s, false), used);
  }

  static boolean refusedSchema(PolicyException e) {
    return e.kind() == PolicyException.Kind.FATAL
        && e.getMessage() != null
        && e.getMessage().startsWith("HTTP 400")
        && REFUSAL.matcher(e.getMessage()).find();
  }

  private ChatRequest request(List<ChatMessage> messages, Summary s, boolean strict) {
    ChatRequest.Builder req = ChatRequest.builder().messages(messages);
    if (strict && tools) {
      // every answer a call of one of the tools, true to its schema ("keep" is a tool too)
      req.toolSpecifications(Schemas.tools(permitted, s))
          .toolChoice(dev.langchain4j.model.chat.request.ToolChoice.REQUIRED);
    } else if (strict) {
      req.responseFormat(Schemas.decision(permitted));
    }
    return req.build();
  }

  private ChatResponse call(ChatRequest req, Usage usedSoFar) throws PolicyException {
    try {
      return model.chat(req);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ProviderHttpClient.Failure f) {
          if (f.timeout) {
            throw new PolicyException(PolicyException.Kind.TIMEOUT, f.getMessage(), -1, usedSoFar);
          }
          if (f.status == 429) {
            throw new PolicyException(
                PolicyException.Kind.RATE_LIMITED, f.getMessage(), f.retryAfterMillis, usedSoFar);
          }
          if (f.status == 0 || f.status >= 500) {
            throw new PolicyException(
                PolicyException.Kind.SERVER_ERROR, f.getMessage(), f.retryAfterMillis, usedSoFar);
          }
          throw new PolicyException(PolicyException.Kind.FATAL, f.getMessage(), -1, usedSoFar);
        }
      }
      // anything else (a body LangChain4j cannot read) is the provider answering garbage
      throw new PolicyException(
          PolicyException.Kind.UNPARSEABLE,
          "unreadable response: " + e.getClass().getSimpleName(),
          -1,
          usedSoFar);
    }
  }

  private static Usage usage(TokenUsage u) {
    if (u == null) {
      return Usage.NONE;
    }
    long reasoning = 0;
    if (u instanceof OpenAiTokenUsage o
        && o.outputTokensDetails() != null
        && o.outputTokensDetails().reasoningTokens() != null) {
      reasoning = o.outputTokensDetails().reasoningTokens();
    }
    return new Usage(nz(u.inputTokenCount()), nz(u.outputTokenCount()), reasoning);
  }

  private static long nz(Integer i) {
    return i == null ? 0 : i;
  }

  /** Parses {"action": ..., "args": {...}, "rationale": ...}, tolerating code fences around it. */
  @SuppressWarnings("unchecked")
  Decision fromJson(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the answer was empty");
    }
    int start = text.indexOf('{');
    int end = text.lastIndexOf('}');
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("the answer was not a JSON object");
    }
    Map<String, Object> m;
    try {
      m = Json.mapper().readValue(text.substring(start, end + 1), Map.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the answer was not valid JSON");
    }
    Object action = m.get("action");
    if (!(action instanceof String a)) {
      throw new IllegalArgumentException("'action' is missing");
    }
    String norm = a.strip().toLowerCase(java.util.Locale.ROOT);
    if (norm.equals("half") || norm.equals("same")) {
      norm = norm.equals("half") ? "halve" : "keep"; // the reference's words
    }
    if (!permitted.contains(norm)) {
      throw new IllegalArgumentException(
          "unknown or unpermitted action '"
              + a
              + "'; permitted: "
              + String.join(", ", permitted.stream().sorted().toList()));
    }
    Object args = m.getOrDefault("args", Map.of());
    return new Decision(
        norm,
        args instanceof Map<?, ?> am ? (Map<String, Object>) am : Map.of(),
        String.valueOf(m.getOrDefault("rationale", "")));
  }
}
