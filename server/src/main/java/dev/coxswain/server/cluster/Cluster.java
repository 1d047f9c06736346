package dev.coxswain.server.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import dev.coxswain.server.metrics.Telemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;

/**
 * A private Vert.x cluster over Hazelcast, built in code so that nothing leaves the interface the
 * user names: TCP/IP discovery with an explicit member list (no multicast, no auto-detection, no
 * cloud probes), Hazelcast's phone-home off, bound to one address, a cluster name of Coxswain's
 * own, and failure detection tuned to seconds (a hung member is dropped after 5 s without a
 * heartbeat instead of 60).
 */
public final class Cluster {
  /** The Hazelcast port a control plane listens on by default. */
  public static final int DEFAULT_PORT = 5701;

  /** The name every Coxswain cluster member uses: other Hazelcast clusters stay apart. */
  public static final String NAME = "coxswain";

  private Cluster() {}

  /**
   * @param host the interface to bind (Hazelcast and the event bus); loopback by default
   * @param port the Hazelcast port; when taken, the next ones are tried (a trainer beside its
   *     control plane)
   * @param members the members to join ("host:port"), or none for the first member
   */
  public record Options(String host, int port, List<String> members, String name) {
    public Options {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("cluster port must be 1-65535, got " + port);
      }
      members = List.copyOf(members);
    }
  }

  /** The Hazelcast configuration: every switch that would reach beyond the named interface off. */
  public static Config hazelcast(Options o) {
    Config cfg = new Config();
    cfg.setClusterName(o.name());
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false"); // Vert.x leaves the cluster itself
    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(o.port()).setPortAutoIncrement(true).setPortCount(100);
    net.getInterfaces().setEnabled(true).setInterfaces(List.of(o.host()));
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getGcpConfig().setEnabled(false);
    join.getAzureConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getEurekaConfig().setEnabled(false);
    join.getTcpIpConfig()
        .setEnabled(true)
        .setMembers(o.members().isEmpty() ? List.of(o.host() + ":" + o.port()) : o.members());
    // the maps Vert.x keeps its state in (passing a Config skips its default-cluster.xml)
    cfg.addMultiMapConfig(
        new MultiMapConfig("__vertx.subs")
            .setBackupCount(1)
            .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    cfg.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    cfg.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return cfg;
  }

  /**
   * Joins (or starts) the cluster; the event bus binds the same interface on a free port, over TLS
   * with client certificates from the cluster's credentials and no trust-all (Vert.x's default for
   * the bus is to trust any certificate).
   */
  public static Future<Clustered> start(Options o, Credentials credentials) {
    return start(o, credentials, null);
  }

  /**
   * As above; with {@code telemetry} (a control plane's), Vert.x's meters (HTTP server, event bus,
   * JVM) go to its registry. A trainer-only member passes null and keeps no metrics.
   */
  public static Future<Clustered> start(Options o, Credentials credentials, Telemetry telemetry) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(o));
    VertxOptions vo = new VertxOptions();
    vo.getEventBusOptions()
        .setHost(o.host())
        .setPort(0)
        .setSsl(true)
        .setKeyCertOptions(
            new PfxOptions()
                .setPath(credentials.node().toString())
                .setPassword(credentials.password()))
        .setTrustOptions(
            new PfxOptions()
                .setPath(credentials.trust().toString())
                .setPassword(credentials.password()))
        .setClientAuth(ClientAuth.REQUIRED)
        .setTrustAll(false);
    VertxBuilder builder =
        telemetry == null ? Vertx.builder().with(vo) : telemetry.metrics(Vertx.builder(), vo);
    return builder.withClusterManager(manager).buildClustered().map(v -> new Clustered(v, manager));
  }

  /** A clustered Vert.x and its cluster manager (for membership). */
  public record Clustered(Vertx vertx, HazelcastClusterManager manager) {}

  /** Parses {@code HOST:PORT} of a cluster member, naming what is wrong. */
  public static String member(String spec) {
    int colon = spec == null ? -1 : spec.lastIndexOf(':');
    if (colon <= 0 || colon == spec.length() - 1) {
      throw new IllegalArgumentException(
          "--join must be HOST:PORT of the control plane's cluster port, e.g. 127.0.0.1:5701; got '"
              + spec
              + "'");
    }
    try {
      int port = Integer.parseInt(spec.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--join: '" + spec.substring(colon + 1) + "' is not a port (1-65535)");
    }
    return spec;
  }
}
