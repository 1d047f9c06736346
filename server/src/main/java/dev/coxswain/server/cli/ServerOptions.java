package dev.coxswain.server.cli;

import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.api.HostCheck;
import dev.coxswain.server.notify.Notifier;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by {@code serve} and {@code resume}. */
final class ServerOptions {
  @Option(
      names = "--host",
      description = "interface to listen on (default ${DEFAULT-VALUE}: loopback only)")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "port (default ${DEFAULT-VALUE}; 0 picks a free one)")
  int port = 7007;

  @Option(
      names = "--public-host",
      paramLabel = "NAME",
      description =
          "a name this server is reached by besides --host's address (repeatable; NAME or"
              + " NAME:PORT, e.g. behind a proxy); requests with any other Host get 403, so that no"
              + " web page can reach the API by rebinding its DNS name to this address")
  List<String> publicHosts = new ArrayList<>();

  @Option(
      names = "--notify-url",
      paramLabel = "URL",
      description =
          "POST a JSON message here when the run finishes, fails, stalls or raises a health event")
  String notifyUrl;

  @Option(
      names = "--stall-seconds",
      description = "report a stall after this long without a step (default ${DEFAULT-VALUE})")
  long stallSeconds = 300;

  @Option(
      names = "--cors-origin",
      paramLabel = "ORIGIN",
      description = "allow this browser origin (repeatable); CORS is closed by default")
  List<String> corsOrigins = new ArrayList<>();

  @Option(
      names = "--private",
      description =
          "reads (GET /api/... and the event stream) need the token too; by default anyone who"
              + " can reach the port may watch")
  boolean privateReads;

  @Option(
      names = "--exit-when-done",
      description = "exit once the run has finished, stopped or failed")
  boolean exitWhenDone;

  @Option(
      names = "--compat",
      arity = "0..1",
      fallbackValue = "",
      paramLabel = "RUN",
      description =
          "also speak the reference Interactive Training protocol (/api/get_info/, /api/command/,"
              + " /ws/message/) for the served run (serve) or for RUN (server); its clients send"
              + " no token, so these routes take commands without one")
  String compat;

  /**
   * The API's options.
   *
   * @param servedRun the run this process serves (serve, resume), or null (server)
   * @throws IllegalArgumentException for --compat without a run, or with --private; for a
   *     --public-host that is not a host name
   */
  ApiOptions api(String token, String servedRun) {
    String compatRun = null;
    if (compat != null) {
      compatRun = compat.isEmpty() ? servedRun : compat;
      if (compatRun == null) {
        throw new IllegalArgumentException(
            "server --compat needs the id of the run to serve that way: --compat RUN");
      }
      if (privateReads) {
        throw new IllegalArgumentException(
            "--compat serves the reference's protocol, whose clients send no token: it cannot"
                + " be combined with --private");
      }
    }
    HostCheck.validate(publicHosts);
    return ApiOptions.defaults(token)
        .withHost(host)
        .withPort(port)
        .withCors(corsOrigins)
        .withPrivateReads(privateReads)
        .withCompat(compatRun)
        .withPublicHosts(publicHosts);
  }

  Notifier.Options notifier() {
    return notifyUrl == null ? null : new Notifier.Options(notifyUrl, stallSeconds, 4, 1000);
  }
}
