package dev.coxswain.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 for tests: it answers from a script of
 * replies (JSON content, tool calls, HTTP errors with Retry-After, hangs, garbage) and records
 * every request it received. How it treats a schema sent with a request ({@code response_format:
 * json_schema}, strict tools) is its {@link Schemas mode}: ignored (the default: scripted answers
 * go out as written), honoured like a provider with constrained decoding (a scripted answer that
 * the request's schema would not allow is never produced: it is skipped and counted, and the next
 * one is tried), or refused with a 400 like an older server.
 */
public final class FakeOpenAi implements AutoCloseable {

  /** How a schema sent with a request is treated. */
  public enum Schemas {
    /** Scripted answers go out as written, whatever the request's schema. */
    IGNORE,
    /** Only answers true to the request's schema are produced; the others are skipped. */
    HONOUR,
    /** A request carrying a schema or strict tools is answered 400, as an older server does. */
    REFUSE
  }

  /** One scripted answer. */
  public sealed interface Reply {}

  /** A normal answer with this text and usage. */
  public record Text(String content, int inputTokens, int outputTokens, int reasoningTokens)
      implements Reply {}

  /** A tool call. */
  public record Tool(String name, String argumentsJson, int inputTokens, int outputTokens)
      implements Reply {}

  /** An HTTP error. */
  public record Status(int code, String retryAfter) implements Reply {}

  /** No answer for this long. */
  public record Hang(long millis) implements Reply {}

  /** A 200 whose body is not JSON. */
  public record Garbage(String body) implements Reply {}

  /**
   * No answer until the test releases it (or the server closes, or ten minutes pass): then {@code
   * answer}. A test holds the LLM for as long as it needs, with no clock involved.
   */
  public record Held(java.util.concurrent.CountDownLatch release, Reply answer) implements Reply {}

  public static Reply decision(String action, String rationale) {
    return new Text(
        "{\"action\": \"" + action + "\", \"rationale\": \"" + rationale + "\"}", 700, 60, 40);
  }

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<String> requests = new ArrayList<>();
  private volatile Reply fallback = decision("keep", "all good");
  private volatile Schemas schemas = Schemas.IGNORE;
  private final java.util.concurrent.atomic.AtomicInteger suppressed =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger refused =
      new java.util.concurrent.atomic.AtomicInteger();

  public FakeOpenAi() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(pool);
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** Answers these next, in order; after them, the fallback. */
  public FakeOpenAi then(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  /** Forgets the scripted answers not given yet. */
  public FakeOpenAi clear() {
    script.clear();
    return this;
  }

  /** What to answer when the script is empty. */
  public FakeOpenAi always(Reply r) {
    fallback = r;
    return this;
  }

  /** How schemas are treated from now on. */
  public FakeOpenAi schemas(Schemas mode) {
    schemas = mode;
    return this;
  }

  /** Scripted answers skipped because the request's schema did not allow them (HONOUR). */
  public int suppressed() {
    return suppressed.get();
  }

  /** Requests refused for carrying a schema (REFUSE). */
  public int refused() {
    return refused.get();
  }

  public synchronized List<String> requests() {
    return new ArrayList<>(requests);
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    synchronized (this) {
      requests.add(body);
    }
    Map<?, ?> req = Json.read(body, Map.class);
    Reply r;
    if (schemas == Schemas.REFUSE && FakeSchema.structured(req)) {
      refused.incrementAndGet();
      send(
          ex,
          400,
          "{\"error\":{\"message\":\"Unrecognized request arguments: response_format json_schema"
              + " and strict tools are not supported by this server\",\"type\":"
              + "\"invalid_request_error\",\"param\":\"response_format\"}}");
      return;
    }
    r = schemas == Schemas.HONOUR ? nextConforming(req) : next();
    try {
      if (r instanceof Held h) {
        try {
          h.release().await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return; // the server is closing
        }
        r = h.answer();
      }
      if (r == null) {
        send(ex, 500, "{\"error\":{\"message\":\"fake: no scripted answer fits the schema\"}}");
        return;
      }
      if (r instanceof Hang h) {
        try {
          TimeUnit.MILLISECONDS.sleep(h.millis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        send(ex, 200, completion("{\"action\":\"keep\",\"rationale\":\"late\"}", null, 10, 10, 0));
      } else if (r instanceof Status s) {
        if (s.retryAfter() != null) {
          ex.getResponseHeaders().add("Retry-After", s.retryAfter());
        }
        send(
            ex,
            s.code(),
            "{\"error\":{\"message\":\"scripted " + s.code() + "\",\"type\":\"server_error\"}}");
      } else if (r instanceof Garbage g) {
        send(ex, 200, g.body());
      } else if (r instanceof Tool t) {
        send(ex, 200, completion(null, t, t.inputTokens(), t.outputTokens(), 0));
      } else if (r instanceof Text t) {
        send(
            ex,
            200,
            completion(t.content(), null, t.inputTokens(), t.outputTokens(), t.reasoningTokens()));
      }
    } catch (IOException e) {
      // the client gave up (a timeout test): nothing to do
    }
  }

  private Reply next() {
    Reply r = script.poll();
    return r == null ? fallback : r;
  }

  /** The next scripted answer the request's schema allows; transport faults always pass. */
  private Reply nextConforming(Map<?, ?> req) {
    for (Reply r = script.poll(); r != null; r = script.poll()) {
      if (FakeSchema.allows(req, r)) {
        return r;
      }
      suppressed.incrementAndGet();
    }
    if (FakeSchema.allows(req, fallback)) {
      return fallback;
    }
    suppressed.incrementAndGet();
    return null;
  }

  private static String completion(String content, Tool tool, int in, int out, int reasoning) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("role", "assistant");
    message.put("content", content);
    if (tool != null) {
      message.put(
          "tool_calls",
          List.of(
              Map.of(
                  "id",
                  "call_1",
                  "type",
                  "function",
                  "function",
                  Map.of("name", tool.name(), "arguments", tool.argumentsJson()))));
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", "chatcmpl-test");
    c.put("object", "chat.completion");
    c.put("created", 1_700_000_000);
    c.put("model", "o4-mini");
    c.put(
        "choices",
        List.of(
            Map.of(
                "index",
                0,
                "message",
                message,
                "finish_reason",
                tool != null ? "tool_calls" : "stop")));
    c.put(
        "usage",
        Map.of(
            "prompt_tokens",
            in,
            "completion_tokens",
            out,
            "total_tokens",
            in + out,
            "completion_tokens_details",
            Map.of("reasoning_tokens", reasoning)));
    return Json.write(c);
  }

  private static void send(HttpExchange ex, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
