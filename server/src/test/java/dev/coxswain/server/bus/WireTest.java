package dev.coxswain.server.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each wire message decodes what its own JSON form wrote, and refuses a bad one by its field. */
class WireTest {
  private static final Map<String, Object> RUN_JSON = Map.of("run_id", "r1", "seed", 7);

  private static Map<String, Object> joinMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "join");
    m.put("protocol", 1);
    m.put("run", "r1");
    m.put("node", "n1");
    m.put("member", "m1");
    m.put("last_seq", 12);
    m.put("run_json", RUN_JSON);
    return m;
  }

  private static Map<String, Object> with(Map<String, Object> m, String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(m);
    if (value == null) {
      copy.remove(key);
    } else {
      copy.put(key, value);
    }
    return copy;
  }

  private static Wire.Refusal refused(Function<String, ?> decoder, Object body) {
    String json = body instanceof String s ? s : Json.write(body);
    return assertThrows(Wire.Refusal.class, () -> decoder.apply(json), json);
  }

  @Test
  void everyMessageDecodesWhatItsJsonFormWrites() {
    Wire.Join join = new Wire.Join("r1", "n1", "m1", 12, RUN_JSON);
    assertEquals(join, Wire.Join.decode(join.toJson()));
    Wire.Join local = new Wire.Join("r1", "n1", null, 0, RUN_JSON);
    assertEquals(local, Wire.Join.decode(local.toJson()), "no member on the local bus");
    Wire.Joined joined = new Wire.Joined("r1", 40);
    assertEquals(joined, Wire.Joined.decode(joined.toJson()));
    Wire.Heartbeat beat = Wire.Heartbeat.now("r1", "n1", 5, "running", 40);
    assertEquals(beat, Wire.Heartbeat.decode(beat.toJson()));
    assertEquals(new Wire.HeartbeatAnswer(false), Wire.HeartbeatAnswer.decode("{\"known\":false}"));
    Wire.Hello hello = new Wire.Hello("m1");
    assertEquals(hello, Wire.Hello.decode(hello.toJson()));
    Wire.ReplayRequest req = new Wire.ReplayRequest(30, 2000);
    assertEquals(req, Wire.ReplayRequest.decode(req.toJson()));
    Event e =
        new Event(
            31, "r1", "main", 5, EventType.NOTE, Instant.parse("2026-12-01T00:00:00Z"), Map.of());
    Wire.ReplayPage page = new Wire.ReplayPage(List.of(e), 31);
    assertEquals(page, Wire.ReplayPage.decode(page.toJson()));
    Wire.Record rec = new Wire.Record(EventType.HEALTH, Map.of("kind", "x", "message", "y"));
    assertEquals(rec, Wire.Record.decode(rec.toJson()));
  }

  @Test
  void theJoinKeepsTheShapeEarlierTrainersSend() throws Exception {
    // the keys a trainer of this protocol has always sent: an older peer reads it, and is read
    assertEquals(
        joinMap(), Json.read(new Wire.Join("r1", "n1", "m1", 12, RUN_JSON).toJson(), Map.class));
    assertEquals(
        new Wire.Join("r1", "n1", "m1", 12, RUN_JSON), Wire.Join.decode(Json.write(joinMap())));
  }

  @Test
  void aJoinMissingOrMistypingAFieldIsRefusedNamingIt() {
    for (String key : List.of("run", "node", "last_seq", "run_json")) {
      Wire.Refusal r = refused(Wire.Join::decode, with(joinMap(), key, null));
      assertEquals(Wire.BAD_REQUEST, r.code());
      assertEquals("a join has no '" + key + "'", r.getMessage());
    }
    Wire.Refusal seq = refused(Wire.Join::decode, with(joinMap(), "last_seq", "twelve"));
    assertEquals(Wire.BAD_REQUEST, seq.code());
    assertEquals("a join's 'last_seq' must be a whole number, got \"twelve\"", seq.getMessage());
    assertTrue(
        refused(Wire.Join::decode, with(joinMap(), "run_json", List.of()))
            .getMessage()
            .startsWith("a join's 'run_json' must be a JSON object"));
    assertTrue(
        refused(Wire.Join::decode, with(joinMap(), "member", 7))
            .getMessage()
            .startsWith("a join's 'member' must be a string"));
    assertTrue(
        refused(Wire.Join::decode, with(joinMap(), "run", "../etc"))
            .getMessage()
            .startsWith("a join's 'run' must be a run id"));
    assertTrue(
        refused(Wire.Join::decode, with(joinMap(), "last_seq", -1))
            .getMessage()
            .startsWith("a join's 'last_seq' must be a whole number of at least 0"));
    assertEquals(
        "not a join: the body is not JSON", refused(Wire.Join::decode, "{\"run\":").getMessage());
    assertEquals(
        "not a join: the body is not a JSON object",
        refused(Wire.Join::decode, "[1,2]").getMessage());
  }

  @Test
  void aJoinOfAnotherProtocolIsRefusedAsSuchBeforeItsFieldsAreRead() {
    Map<String, Object> newer = with(joinMap(), "protocol", 2);
    newer.remove("run_json"); // a newer trainer may send other fields: it hears of its version
    Wire.Refusal r = refused(Wire.Join::decode, newer);
    assertEquals(Wire.VERSION, r.code());
    assertTrue(r.getMessage().contains("speaks protocol 2"), r.getMessage());
    assertEquals(
        Wire.VERSION, refused(Wire.Join::decode, with(joinMap(), "protocol", null)).code());
  }

  @Test
  void aHeartbeatHelloOrCatchUpMissingOrMistypingAFieldIsRefusedNamingIt() throws Exception {
    String beat = Wire.Heartbeat.now("r1", "n1", 5, "running", 40).toJson();
    @SuppressWarnings("unchecked")
    Map<String, Object> beatMap = Json.read(beat, Map.class);
    for (String key : List.of("run", "node", "step", "status", "last_seq")) {
      assertEquals(
          "a heartbeat has no '" + key + "'",
          refused(Wire.Heartbeat::decode, with(beatMap, key, null)).getMessage());
    }
    assertEquals(
        "a heartbeat's 'last_seq' must be a whole number, got 4.5",
        refused(Wire.Heartbeat::decode, with(beatMap, "last_seq", 4.5)).getMessage());
    assertEquals(
        "a heartbeat's 'status' must be a string, got true",
        refused(Wire.Heartbeat::decode, with(beatMap, "status", true)).getMessage());
    assertEquals("a hello has no 'member'", refused(Wire.Hello::decode, "{}").getMessage());
    assertEquals(
        "a hello's 'member' must be a string, got {\"id\":\"m\"}",
        refused(Wire.Hello::decode, "{\"member\":{\"id\":\"m\"}}").getMessage());
    assertEquals(
        "a catch-up request's 'since' must be a whole number, got \"3\"",
        refused(Wire.ReplayRequest::decode, "{\"since\":\"3\",\"limit\":10}").getMessage());
    assertEquals(
        "a catch-up request's 'limit' must be a whole number of at least 1, got 0",
        refused(Wire.ReplayRequest::decode, "{\"since\":3,\"limit\":0}").getMessage());
    assertEquals(
        "a catch-up page's 'events[1]' is not an event",
        refused(
                Wire.ReplayPage::decode,
                "{\"last_seq\":2,\"events\":[{\"seq\":1,\"type\":\"note\"},\"two\"]}")
            .getMessage());
    assertEquals(
        "an event to record's 'type' must be an event type, got \"no_such\"",
        refused(Wire.Record::decode, "{\"type\":\"no_such\",\"payload\":{}}").getMessage());
    assertEquals(
        "a heartbeat's answer's 'known' must be true or false, got \"no\"",
        refused(Wire.HeartbeatAnswer::decode, "{\"known\":\"no\"}").getMessage());
  }

  @Test
  void aLongWrongValueIsShownCut() {
    String shown =
        refused(Wire.Hello::decode, Map.of("member", List.of("x".repeat(100)))).getMessage();
    assertTrue(shown.endsWith("..."), shown);
    assertTrue(shown.length() < 110, shown);
  }
}
