package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.error;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may do what: the token on mutating calls (and on reads with --private), and the rate limit.
 */
final class Access {
  private final ApiOptions options;
  private final RateLimiter limiter;

  Access(ApiOptions options) {
    this.options = options;
    this.limiter = new RateLimiter(options.commandsPerSecond(), options.burst());
  }

  void authorize(RoutingContext ctx) {
    if (!tokenMatches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      error(
          ctx, 401, "missing or wrong token: send Authorization: Bearer <token>", "Authorization");
      return;
    }
    ctx.next();
  }

  boolean tokenMatches(String header) {
    String expected = "Bearer " + options.token();
    return header != null
        && MessageDigest.isEqual(
            header.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  // With --private: the stream is let through to its handshake, where the token comes either in
  // the Authorization header or, from a browser (which cannot set headers on a WebSocket), as the
  // first message; other reads need the header.
  void authorizeRead(RoutingContext ctx) {
    if (ctx.request().path().endsWith("/stream")) {
      ctx.next();
      return;
    }
    authorize(ctx);
  }

  void rateLimit(RoutingContext ctx) {
    String client =
        ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().hostAddress();
    double wait = limiter.take(client, System.nanoTime());
    if (wait > 0) {
      ctx.response().putHeader("Retry-After", Long.toString((long) Math.ceil(wait)));
      error(
          ctx,
          429,
          "too many commands: at most " + options.commandsPerSecond() + " per second per client",
          null);
      return;
    }
    ctx.next();
  }
}
