package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.Wire;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the control plane takes on its own addresses, on a real event bus: joins, heartbeats and
 * hellos decoded once; a malformed or unsigned one is refused naming why, and changes nothing.
 */
class ControlPlaneWireTest {
  @TempDir Path dir;
  private final CommandSigner signer = CommandSigner.random();
  private final RunRegistry registry = new RunRegistry();
  private Vertx vertx;
  private ControlPlane control;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    control =
        new ControlPlane(
            registry,
            new ControlPlane.Options(dir.resolve("control"), signer, 1000, 3, null, Map.of()),
            Map.of());
    await(
        vertx.deployVerticle(
            control, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
    registry.closeAll();
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private String ask(String address, String body, DeliveryOptions o) throws Exception {
    return await(vertx.eventBus().<String>request(address, body, o)).body();
  }

  private String signed(String address, String body) throws Exception {
    return ask(address, body, signer.signed(body, 10_000));
  }

  private ReplyException refused(String address, String body, DeliveryOptions o) throws Exception {
    try {
      throw new AssertionError("taken: " + ask(address, body, o));
    } catch (ExecutionException e) {
      return (ReplyException) e.getCause();
    }
  }

  private ReplyException refusedSigned(String address, String body) throws Exception {
    return refused(address, body, signer.signed(body, 10_000));
  }

  private static Map<String, Object> join(String run) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "join");
    m.put("protocol", Wire.PROTOCOL);
    m.put("run", run);
    m.put("node", "n1");
    m.put("member", "m1");
    m.put("last_seq", 0);
    m.put("run_json", Map.of("run_id", run));
    return m;
  }

  private static String with(Map<String, Object> m, String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(m);
    copy.put(key, value);
    return Json.write(copy);
  }

  private void assertNothingOf(String run) {
    assertNull(control.replica(run), "no replica");
    assertTrue(registry.store(run).isEmpty(), "not registered");
    assertFalse(Files.exists(dir.resolve("control").resolve(run)), "no directory");
    assertFalse(control.expects("m1"), "its member not taken as ours");
  }

  @Test
  void aWellFormedSignedJoinIsTakenAndAnsweredWithWhatTheReplicaHolds() throws Exception {
    Wire.Joined answer = Wire.Joined.decode(signed(Addresses.JOIN, Json.write(join("r1"))));
    assertEquals(new Wire.Joined("r1", 0), answer);
    assertTrue(registry.live("r1"));
    assertTrue(control.expects("m1"), "a signed join is as good as a hello");
    await(control.joined("r1"));
  }

  @Test
  void aJoinWithAMissingOrWronglyTypedFieldIsRefusedNamingItAndChangesNothing() throws Exception {
    Map<String, Object> noRunJson = join("r1");
    noRunJson.remove("run_json");
    ReplyException missing = refusedSigned(Addresses.JOIN, Json.write(noRunJson));
    assertEquals(Wire.BAD_REQUEST, missing.failureCode());
    assertEquals("a join has no 'run_json'", missing.getMessage());
    ReplyException mistyped = refusedSigned(Addresses.JOIN, with(join("r1"), "last_seq", "0"));
    assertEquals(Wire.BAD_REQUEST, mistyped.failureCode());
    assertEquals("a join's 'last_seq' must be a whole number, got \"0\"", mistyped.getMessage());
    ReplyException version = refusedSigned(Addresses.JOIN, with(join("r1"), "protocol", 2));
    assertEquals(Wire.VERSION, version.failureCode());
    assertNothingOf("r1");
  }

  @Test
  void anUnsignedJoinIsRefusedAndChangesNothing() throws Exception {
    String body = Json.write(join("r1"));
    assertEquals(
        Wire.UNAUTHORIZED, refused(Addresses.JOIN, body, new DeliveryOptions()).failureCode());
    ReplyException other =
        refused(Addresses.JOIN, body, CommandSigner.random().signed(body, 10_000));
    assertEquals(Wire.UNAUTHORIZED, other.failureCode());
    assertNothingOf("r1");
  }

  @Test
  void aMalformedHeartbeatIsRefusedNamingItsFieldAndChangesNothing() throws Exception {
    signed(Addresses.JOIN, Json.write(join("r1")));
    String status = registry.store("r1").orElseThrow().status();
    assertNotEquals("failed", status);
    // what a well-formed one would do: nothing left to replicate and 'failed' fails the run
    Map<String, Object> failed = Json.toMap(new Wire.Heartbeat("r1", "n1", 5, "failed", 0, null));
    ReplyException r = refusedSigned(Addresses.RUNS, with(failed, "step", "five"));
    assertEquals(Wire.BAD_REQUEST, r.failureCode());
    assertEquals("a heartbeat's 'step' must be a whole number, got \"five\"", r.getMessage());
    assertEquals(
        Wire.UNAUTHORIZED,
        refused(Addresses.RUNS, Json.write(failed), new DeliveryOptions()).failureCode());
    assertEquals(status, registry.store("r1").orElseThrow().status(), "nothing changed");

    Wire.HeartbeatAnswer known =
        Wire.HeartbeatAnswer.decode(signed(Addresses.RUNS, Json.write(failed)));
    assertTrue(known.known());
    assertEquals("failed", registry.store("r1").orElseThrow().status(), "the same, well formed");
    Map<String, Object> stranger = new LinkedHashMap<>(failed);
    stranger.put("node", "n2");
    assertFalse(
        Wire.HeartbeatAnswer.decode(signed(Addresses.RUNS, Json.write(stranger))).known(),
        "a trainer that has not joined is told to");
  }

  @Test
  void aHelloMarksItsMemberOursUnlessItIsMalformedOrUnsigned() throws Exception {
    ReplyException missing = refusedSigned(Addresses.HELLO, "{\"who\":\"m1\"}");
    assertEquals(Wire.BAD_REQUEST, missing.failureCode());
    assertEquals("a hello has no 'member'", missing.getMessage());
    ReplyException mistyped = refusedSigned(Addresses.HELLO, "{\"member\":1}");
    assertEquals("a hello's 'member' must be a string, got 1", mistyped.getMessage());
    String hello = new Wire.Hello("m1").toJson();
    assertEquals(
        Wire.UNAUTHORIZED, refused(Addresses.HELLO, hello, new DeliveryOptions()).failureCode());
    assertFalse(control.expects("m1"));
    assertFalse(control.expects("1"));
    signed(Addresses.HELLO, hello);
    assertTrue(control.expects("m1"));
  }
}
