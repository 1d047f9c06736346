package dev.coxswain.server.api;

import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API's JSON answers and the small checks every handler makes on its request (the reference
 * protocol's routes answer through it too).
 */
public final class Replies {
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private Replies() {}

  /** The run named by the path's {@code :id}, or empty after answering 404. */
  static Optional<RunStore> run(RoutingContext ctx, RunRegistry runs) {
    String id = ctx.pathParam("id");
    Optional<RunStore> s = runs.store(id);
    if (s.isEmpty()) {
      error(ctx, 404, "no run '" + (ID.matcher(id).matches() ? id : "?") + "'", "id");
    }
    return s;
  }

  public static void json(RoutingContext ctx, int status, Object body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Json.write(body));
  }

  public static void error(RoutingContext ctx, int status, String message, String field) {
    json(ctx, status, new ErrorReply(message, field));
  }

  /** A refusal: what is wrong, and the field it is about (absent when none). */
  record ErrorReply(String error, String field) {}

  /** A non-negative integer query parameter, or null after answering 400. */
  static Long longParam(RoutingContext ctx, String name, long dflt, long max) {
    String v = ctx.queryParams().get(name);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0 || n > max) {
        error(ctx, 400, name + " must be between 0 and " + max, name);
        return null;
      }
      return n;
    } catch (NumberFormatException e) {
      error(ctx, 400, name + " must be a whole number", name);
      return null;
    }
  }
}
