package dev.coxswain.server.api;

import java.net.URI;
import java.net.URISyntaxException;

/** What a browser's {@code Origin} header says about where a request comes from. */
final class Origins {
  private Origins() {}

  /**
   * Whether the request's Origin is the page this server serves, read against the address the
   * request was sent to (the Host header, or HTTP/2's :authority).
   */
  static boolean same(io.vertx.core.http.HttpServerRequest request) {
    io.vertx.core.net.HostAndPort a = request.authority();
    if (a == null) {
      return false;
    }
    String host = a.port() >= 0 ? a.host() + ":" + a.port() : a.host();
    return same(request.getHeader(io.vertx.core.http.HttpHeaders.ORIGIN), host);
  }

  /**
   * Whether {@code origin} is the page this server serves: http(s), no path, and the very authority
   * (host and port) the request was sent to. A browser sends Origin on every WebSocket and on a
   * page's POSTs, its own pages included.
   */
  static boolean same(String origin, String host) {
    if (origin == null || host == null) {
      return false;
    }
    try {
      URI u = new URI(origin);
      return ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
          && host.equalsIgnoreCase(u.getRawAuthority())
          && (u.getRawPath() == null || u.getRawPath().isEmpty())
          && u.getRawQuery() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
