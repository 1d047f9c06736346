package dev.coxswain.server.cli;

import dev.coxswain.server.api.ApiOptions;
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

  ApiOptions api(String token) {
    return ApiOptions.defaults(token)
        .withHost(host)
        .withPort(port)
        .withCors(corsOrigins)
        .withPrivateReads(privateReads);
  }

  Notifier.Options notifier() {
    return notifyUrl == null ? null : new Notifier.Options(notifyUrl, stallSeconds, 4, 1000);
  }
}
