package dev.coxswain.server.api;

import java.util.List;

/**
 * How the HTTP API listens and defends itself.
 *
 * @param host interface to bind (loopback by default)
 * @param port port, 0 for any free one
 * @param token bearer token every mutating call must carry
 * @param corsOrigins origins allowed to call from a browser; empty means CORS stays closed
 * @param bodyLimit largest request body in bytes (413 above)
 * @param commandsPerSecond sustained commands per client (429 above)
 * @param burst commands a client may send at once before the rate applies
 * @param privateReads reads (GET /api/... and the event stream) need the token too
 * @param compatRun the run that the reference's protocol (Interactive Training's routes, without a
 *     token) serves, or null for none
 */
public record ApiOptions(
    String host,
    int port,
    String token,
    List<String> corsOrigins,
    long bodyLimit,
    double commandsPerSecond,
    int burst,
    boolean privateReads,
    String compatRun,
    List<String> publicHosts) {

  /** The given token (e.g. COXSWAIN_TOKEN's value), or a fresh random one when it is blank. */
  public static String tokenOrRandom(String given) {
    if (given != null && !given.isBlank()) {
      return given.strip();
    }
    byte[] b = new byte[24];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public static ApiOptions defaults(String token) {
    return new ApiOptions(
        "127.0.0.1", 7007, token, List.of(), 64 * 1024, 10, 20, false, null, List.of());
  }

  public ApiOptions withPort(int p) {
    return new ApiOptions(
        host,
        p,
        token,
        corsOrigins,
        bodyLimit,
        commandsPerSecond,
        burst,
        privateReads,
        compatRun,
        publicHosts);
  }

  public ApiOptions withHost(String h) {
    return new ApiOptions(
        h,
        port,
        token,
        corsOrigins,
        bodyLimit,
        commandsPerSecond,
        burst,
        privateReads,
        compatRun,
        publicHosts);
  }

  public ApiOptions withCors(List<String> origins) {
    return new ApiOptions(
        host,
        port,
        token,
        List.copyOf(origins),
        bodyLimit,
        commandsPerSecond,
        burst,
        privateReads,
        compatRun,
        publicHosts);
  }

  public ApiOptions withRate(double perSecond, int burstSize) {
    return new ApiOptions(
        host,
        port,
        token,
        corsOrigins,
        bodyLimit,
        perSecond,
        burstSize,
        privateReads,
        compatRun,
        publicHosts);
  }

  /** Reads need the token too (the console then asks for it before showing anything). */
  public ApiOptions withPrivateReads(boolean on) {
    return new ApiOptions(
        host,
        port,
        token,
        corsOrigins,
        bodyLimit,
        commandsPerSecond,
        burst,
        on,
        compatRun,
        publicHosts);
  }

  /** Serves the reference's protocol for this run (null: off); see {@code compat/}. */
  public ApiOptions withCompat(String runId) {
    return new ApiOptions(
        host,
        port,
        token,
        corsOrigins,
        bodyLimit,
        commandsPerSecond,
        burst,
        privateReads,
        runId,
        publicHosts);
  }

  /** Names besides the bound address that requests may carry in {@code Host}. */
  public ApiOptions withPublicHosts(List<String> names) {
    return new ApiOptions(
        host,
        port,
        token,
        corsOrigins,
        bodyLimit,
        commandsPerSecond,
        burst,
        privateReads,
        compatRun,
        List.copyOf(names));
  }
}
