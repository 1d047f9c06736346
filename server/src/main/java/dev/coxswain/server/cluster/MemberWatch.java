package dev.coxswain.server.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import dev.coxswain.server.control.ControlPlane;
import io.vertx.core.Vertx;

/**
 * Raises an alarm for a cluster member that does not say, within a grace period, who it is with the
 * cluster's secret. Hazelcast open source has no authentication: anyone who reaches its port with
 * the cluster name becomes a member and can disturb routing, so the control plane watches.
 */
public final class MemberWatch implements MembershipListener {
  private final Vertx vertx;
  private final ControlPlane control;
  private final long graceMillis;

  private MemberWatch(Vertx vertx, ControlPlane control, long graceMillis) {
    this.vertx = vertx;
    this.control = control;
    this.graceMillis = graceMillis;
  }

  /** Watches the members of the control plane's cluster (this process is expected). */
  public static void attach(Cluster.Clustered clustered, ControlPlane control, long graceMillis) {
    control.expect(clustered.manager().getNodeId());
    clustered
        .manager()
        .getHazelcastInstance()
        .getCluster()
        .addMembershipListener(new MemberWatch(clustered.vertx(), control, graceMillis));
  }

  @Override
  public void memberAdded(MembershipEvent e) {
    String id = e.getMember().getUuid().toString();
    String where = e.getMember().getAddress().toString();
    vertx.setTimer(
        graceMillis,
        t -> {
          if (!control.expects(id)) {
            control.alarm(
                "unexpected_member",
                "a cluster member nobody expects joined from "
                    + where
                    + " and did not prove it holds the cluster's secret within "
                    + graceMillis / 1000
                    + " s: the Hazelcast port is open to it (keep it on a private network)");
          }
        });
  }

  @Override
  public void memberRemoved(MembershipEvent e) {
    // a trainer that leaves is handled by its heartbeats
  }
}
