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
      names = "--cluster-secret-file",
      paramLabel = "FILE",
      description = "the cluster's secret (or COXSWAIN_CLUSTER_SECRET); it signs every command")
  Path secretFile;

  /** The name every Coxswain cluster member uses: other Hazelcast clusters stay apart. */
  static final String NAME = "coxswain";

  Cluster.Options options(int port, java.util.List<String> members) {
    return new Cluster.Options(host, port, members, NAME);
  }
}
