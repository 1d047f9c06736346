package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.EventType;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.SignedConsumer;
import dev.coxswain.server.bus.Wire;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run link's lifecycle driven step by step with explicit times (no waiting on a clock), on a real
 * event bus, replica and registry: joined, lost, back, failed without a log, over, closed.
 */
class RunLinkTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long LOST_AFTER = 3 * SECOND; // 1000 ms beats, 3 missed
  private static final long T0 = 1_000 * SECOND;

  @TempDir Path dir;
  private final CommandSigner signer = CommandSigner.random();
  private final RunRegistry registry = new RunRegistry();
  private final CompletableFuture<Wire.Record> recorded = new CompletableFuture<>();
  private Vertx vertx;
  private RunLink link;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    // the trainer's record address: what the control plane asks it to put in the run's log
    vertx
        .eventBus()
        .consumer(
            Addresses.record("r1"),
            SignedConsumer.of(
                signer,
                Wire.Record::decode,
                (msg, r) -> {
                  recorded.complete(r);
                  msg.reply("{\"seq\":1}");
                }))
        .completion()
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    ControlPlane.Options options =
        new ControlPlane.Options(dir.resolve("control"), signer, 1000, 3, null, Map.of());
    link = RunLink.open(vertx, registry, options, "r1", Map.of("run_id", "r1"), null);
  }

  @AfterEach
  void close() throws Exception {
    link.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    registry.closeAll();
  }

  private static Wire.Join join(String node) {
    return new Wire.Join("r1", node, null, 0, Map.of("run_id", "r1"));
  }

  private static Wire.Heartbeat beat(String node, String status, long lastSeq) {
    return new Wire.Heartbeat("r1", node, 10, status, lastSeq, null);
  }

  @Test
  void aJoinedRunIsLostAfterItsMissedBeatsAndABeatBringsItBackWithTheOutageInItsLog()
      throws Exception {
    assertEquals(RunLink.State.NEW, link.state());
    assertFalse(link.beat(beat("a", "running", 0), T0), "no trainer has joined: join first");
    link.join(join("a"), T0);
    assertEquals(RunLink.State.JOINED, link.state());
    assertTrue(registry.live("r1"));

    link.checkLiveness(T0 + LOST_AFTER - 1);
    assertEquals(RunLink.State.JOINED, link.state(), "not yet: within its beats");
    long lostAt = T0 + LOST_AFTER;
    link.checkLiveness(lostAt);
    assertEquals(RunLink.State.LOST, link.state());
    assertTrue(registry.lost("r1"));
    assertFalse(recorded.isDone(), "nothing recorded while it is away");

    assertFalse(link.beat(beat("b", "running", 0), lostAt + SECOND), "another trainer's beat");
    assertEquals(RunLink.State.LOST, link.state(), "changes nothing");
    assertTrue(link.beat(beat("a", "running", 0), lostAt + 2500 * 1_000_000L));
    assertEquals(RunLink.State.JOINED, link.state());
    assertTrue(registry.live("r1"));
    Wire.Record back = recorded.get(30, TimeUnit.SECONDS);
    assertEquals(EventType.HEALTH, back.type());
    assertEquals("trainer_lost", back.payload().get("kind"));
    assertEquals(2500, ((Number) back.payload().get("lost_for_ms")).longValue());
  }

  @Test
  void aLiveTrainerKeepsItsRunFromAnotherButALostOneDoesNot() throws Exception {
    link.join(join("a"), T0);
    assertTrue(link.heldByAnother("b", T0 + SECOND), "a live trainer holds it");
    assertFalse(link.heldByAnother("a", T0 + SECOND), "its own trainer may join again");
    link.checkLiveness(T0 + LOST_AFTER);
    assertEquals(RunLink.State.LOST, link.state());
    assertFalse(link.heldByAnother("b", T0 + LOST_AFTER), "a lost run may be resumed elsewhere");
    link.join(join("b"), T0 + LOST_AFTER + SECOND);
    assertEquals(RunLink.State.JOINED, link.state());
    assertFalse(link.beat(beat("a", "running", 0), T0 + LOST_AFTER + 2 * SECOND), "the old one");
    assertTrue(link.beat(beat("b", "running", 0), T0 + LOST_AFTER + 2 * SECOND));
  }

  @Test
  void aTrainerThatSaysItFailedWithNothingLeftToReplicateFailsTheRunThenItIsOverNotLost()
      throws Exception {
    link.join(join("a"), T0);
    String before = link.replica().store().status();
    assertNotEquals("failed", before);
    link.beat(beat("a", "failed", 1), T0 + SECOND);
    assertEquals(before, link.replica().store().status(), "its failure is still on its way");
    link.beat(beat("a", "failed", 0), T0 + SECOND);
    assertEquals("failed", link.replica().store().status(), "nothing on its way: unlogged");

    link.checkLiveness(T0 + SECOND + LOST_AFTER);
    assertEquals(RunLink.State.OVER, link.state(), "an ended run whose trainer went is over");
    assertFalse(registry.live("r1"));
    assertFalse(registry.lost("r1"));
    link.join(join("a2"), T0 + 10 * SECOND); // a resume
    assertEquals(RunLink.State.JOINED, link.state());
    assertTrue(registry.live("r1"));
  }

  @Test
  void aClosedLinkTakesNoBeat() throws Exception {
    link.join(join("a"), T0);
    link.close();
    assertEquals(RunLink.State.CLOSED, link.state());
    assertFalse(link.beat(beat("a", "running", 0), T0 + SECOND));
    link.checkLiveness(T0 + 10 * LOST_AFTER);
    assertEquals(RunLink.State.CLOSED, link.state(), "nor turns lost");
  }
}
