package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.error;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses requests whose {@code Host} is not a name of this server: a web page whose DNS name was
 * rebound to this machine's address sends its own name, and so can neither read nor write here.
 * Admitted: the address the server is bound to (with the loopback names when it is loopback), any
 * IP literal when it is bound to every interface (a rebinding attack always comes under a name),
 * and the names given with {@code --public-host} (any port unless the name has one). The check
 * never looks a name up in DNS.
 */
public final class HostCheck {
  /** A host name, an IPv4 literal or a bracketed IPv6 literal, then an optional port. */
  private static final Pattern HOST =
      Pattern.compile("(\\[[0-9A-Fa-f:.]{2,45}]|[A-Za-z0-9.-]{1,253})(?::(\\d{1,5}))?");

  private static final int SHOWN = 100;

  private final Set<String> names = new HashSet<>();
  private final Set<String> namesAnyPort = new HashSet<>();
  private final boolean anyIpLiteral;

  /**
   * @param bindHost the interface the server binds ({@code --host})
   * @param publicHosts names the server is reached by besides its address, each {@code NAME} or
   *     {@code NAME:PORT}
   * @throws IllegalArgumentException for a public host that is not a valid {@code NAME[:PORT]}
   */
  public HostCheck(String bindHost, List<String> publicHosts) {
    String bind = normalise(bindHost);
    InetAddress literal = ipLiteral(bind);
    anyIpLiteral = literal != null && literal.isAnyLocalAddress();
    if ("localhost".equals(bind) || (literal != null && literal.isLoopbackAddress())) {
      names.addAll(List.of("localhost", "127.0.0.1", canonical(ipLiteral("[::1]"))));
    }
    names.add(literal != null ? canonical(literal) : bind);
    for (String p : publicHosts) {
      Matcher m = HOST.matcher(p == null ? "" : p.strip());
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "--public-host '" + shown(p) + "' is not a host name (NAME or NAME:PORT)");
      }
      (m.group(2) == null ? namesAnyPort : names).add(normalise(m.group(0)));
    }
  }

  /** Validates a {@code --public-host} value. */
  public static void validate(List<String> publicHosts) {
    new HostCheck("127.0.0.1", publicHosts);
  }

  /** The route handler: next() for an admitted Host, else a JSON 400 (malformed) or 403. */
  void handle(RoutingContext ctx) {
    String malformed = malformed(ctx.request());
    if (malformed != null) {
      error(ctx, 400, malformed, "Host");
      return;
    }
    String host = host(ctx.request());
    Matcher m = HOST.matcher(host.strip());
    m.matches();
    int port = ctx.request().localAddress() == null ? -1 : ctx.request().localAddress().port();
    if (!admits(m.group(1), m.group(2), port)) {
      error(
          ctx,
          403,
          "host '"
              + shown(host)
              + "' is not a name of this server; if it is, start it with --public-host "
              + shown(m.group(1)),
          "Host");
      return;
    }
    ctx.next();
  }

  /**
   * What is wrong with the request's Host (missing, not {@code host[:port]}), or null when it is
   * well-formed. Vert.x refuses some malformed ones itself, before any route: its 400 uses this
   * too.
   */
  static String malformed(HttpServerRequest req) {
    String host = host(req);
    if (host == null || host.isBlank()) {
      return "missing Host header";
    }
    if (!HOST.matcher(host.strip()).matches()) {
      return "Host header '" + shown(host) + "' is not a valid host[:port]";
    }
    return null;
  }

  /** The Host header; over HTTP/2 (no such header) the :authority Vert.x parsed. */
  private static String host(HttpServerRequest req) {
    String h = req.getHeader(HttpHeaders.HOST);
    HostAndPort a = h == null ? req.authority() : null;
    if (a == null) {
      return h;
    }
    String name =
        a.host().contains(":") && !a.host().startsWith("[") ? "[" + a.host() + "]" : a.host();
    return a.port() >= 0 ? name + ":" + a.port() : name;
  }

  /**
   * @param name the Host header's name part
   * @param port its port part, or null when absent (the scheme's default, 80)
   * @param boundPort the port this connection reached
   */
  boolean admits(String name, String port, int boundPort) {
    String n = normalise(name);
    int p = port == null ? 80 : Integer.parseInt(port);
    if (namesAnyPort.contains(n) || names.contains(n + ":" + p)) {
      return true; // a --public-host: a proxy in front may listen on any port
    }
    if (p != boundPort) {
      return false;
    }
    InetAddress literal = ipLiteral(n);
    if (literal != null) {
      return anyIpLiteral || names.contains(canonical(literal));
    }
    return names.contains(n);
  }

  private static String normalise(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h; // "localhost." is localhost
  }

  /** The address of an IP literal (no DNS: only literals are parsed), or null for a name. */
  private static InetAddress ipLiteral(String host) {
    boolean v6 = host.startsWith("[") && host.endsWith("]");
    String bare = v6 ? host.substring(1, host.length() - 1) : host;
    if (!v6 && bare.contains(":")) {
      v6 = true; // an unbracketed IPv6 bind address (--host ::1)
    }
    if (v6 ? !bare.matches("[0-9a-f:.]+") : !bare.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return null;
    }
    try {
      return InetAddress.getByName(bare);
    } catch (UnknownHostException e) {
      return null; // e.g. 999.1.1.1: not an address, so not ours
    }
  }

  private static String canonical(InetAddress a) {
    String s = a.getHostAddress();
    return s.contains(":") ? "[" + s + "]" : s;
  }

  /** Printable ASCII only, and not all of a huge header. */
  private static String shown(String s) {
    if (s == null) {
      return "";
    }
    String clean = s.replaceAll("[^\\x20-\\x7e]", "?").replace("'", "?");
    return clean.length() > SHOWN ? clean.substring(0, SHOWN) + "..." : clean;
  }
}
