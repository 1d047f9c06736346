package dev.coxswain.agent.policy;

import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * LangChain4j's HTTP seam, on the JDK client, keeping what LangChain4j's own client drops: the
 * status and the Retry-After header of a failed call, so that retries can honour the server.
 */
final class ProviderHttpClient implements HttpClient {

  /** A failed call, as the provider answered it. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final long retryAfterMillis;
    final boolean timeout;

    Failure(int status, long retryAfterMillis, boolean timeout, String message) {
      super(message);
      this.status = status;
      this.retryAfterMillis = retryAfterMillis;
      this.timeout = timeout;
    }
  }

  private final java.net.http.HttpClient client;
  private final Duration readTimeout;

  private ProviderHttpClient(Duration connectTimeout, Duration readTimeout) {
    this.client = java.net.http.HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    this.readTimeout = readTimeout;
  }

  @Override
  public SuccessfulHttpResponse execute(HttpRequest request) {
    java.net.http.HttpRequest.Builder b =
        java.net.http.HttpRequest.newBuilder(URI.create(request.url())).timeout(readTimeout);
    for (Map.Entry<String, List<String>> h : request.headers().entrySet()) {
      for (String v : h.getValue()) {
        b.header(h.getKey(), v);
      }
    }
    b.method(
        request.method().name(),
        request.body() == null
            ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
    HttpResponse<String> r;
    try {
      r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new Failure(0, -1, true, "no answer within " + readTimeout.toMillis() + " ms");
    } catch (IOException e) {
      throw new Failure(0, -1, false, "connection failed: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(0, -1, false, "interrupted");
    }
    if (r.statusCode() / 100 != 2) {
      long retryAfter =
          r.headers().firstValue("Retry-After").map(ProviderHttpClient::seconds).orElse(-1L);
      String body = r.body() == null ? "" : r.body();
      // the body of an error is the provider's message; it never contains our key
      throw new Failure(
          r.statusCode(),
          retryAfter,
          false,
          "HTTP " + r.statusCode() + ": " + body.substring(0, Math.min(200, body.length())));
    }
    return SuccessfulHttpResponse.builder()
        .statusCode(r.statusCode())
        .headers(r.headers().map())
        .body(r.body())
        .build();
  }

  private static long seconds(String v) {
    try {
      return (long) (Double.parseDouble(v.strip()) * 1000);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void execute(
      HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
    throw new UnsupportedOperationException("Coxswain does not stream");
  }

  /** The builder LangChain4j configures with its timeouts. */
  static final class Builder implements HttpClientBuilder {
    private Duration connect = Duration.ofSeconds(10);
    private Duration read = Duration.ofSeconds(60);

    @Override
    public Duration connectTimeout() {
      return connect;
    }

    @Override
    public HttpClientBuilder connectTimeout(Duration d) {
      if (d != null) {
        connect = d;
      }
      return this;
    }

    @Override
    public Duration readTimeout() {
      return read;
    }

    @Override
    public HttpClientBuilder readTimeout(Duration d) {
      if (d != null) {
        read = d;
      }
      return this;
    }

    @Override
    public HttpClient build() {
      return new ProviderHttpClient(connect, read);
    }
  }
}
