package dev.coxswain.server.cli;

import dev.coxswain.server.cluster.Cluster;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a process takes part in a cluster: the interface, the port and the secret. */
final class ClusterOptions {
  @Option(
      names = "--cluster-host",
      paramLabel = "ADDRESS",
      description = "interface the cluster binds (default ${DEFAULT-VALUE}: loopback only)")
  String host = "127.0.0.1";

  @Option(
      names = "--cluster-credentials",
      paramLabel = "DIR",
      description =
          "the cluster's credentials (secret, TLS key and trust store), as the control plane made them")
  Path credentials;

  Cluster.Options options(int port, java.util.List<String> members) {
    return new Cluster.Options(host, port, members, Cluster.NAME);
  }
}
