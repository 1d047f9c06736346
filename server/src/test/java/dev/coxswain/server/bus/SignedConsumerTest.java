package dev.coxswain.server.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one signature check in front of a consumer, on a real event bus: only a signed message that
 * decodes reaches the consumer; the others are refused by the wrapper with the reason.
 */
class SignedConsumerTest {
  private static final String ADDRESS = "test.signed";
  private final CommandSigner signer = CommandSigner.random();
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<String> forged = new CopyOnWriteArrayList<>();
  private Vertx vertx;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    SignedConsumer<Wire.Hello> hellos =
        SignedConsumer.<Wire.Hello>of(
                signer,
                Wire.Hello::decode,
                (msg, hello) -> {
                  received.add(hello.member());
                  msg.reply("hello " + hello.member());
                })
            .onForged(msg -> forged.add(msg.body()));
    vertx
        .eventBus()
        .consumer(ADDRESS, hellos)
        .completion()
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private String send(String body, DeliveryOptions o) throws Exception {
    return vertx
        .eventBus()
        .<String>request(ADDRESS, body, o)
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS)
        .body();
  }

  private ReplyException refused(String body, DeliveryOptions o) throws Exception {
    try {
      String reply = send(body, o);
      throw new AssertionError("taken: " + body + " -> " + reply);
    } catch (ExecutionException e) {
      return (ReplyException) e.getCause();
    }
  }

  @Test
  void aSignedMessageReachesTheConsumerDecoded() throws Exception {
    String body = new Wire.Hello("m1").toJson();
    assertEquals("hello m1", send(body, signer.signed(body, 10_000)));
    assertEquals(List.of("m1"), received);
    assertEquals(List.of(), forged);
  }

  @Test
  void aMessageWithoutASignatureIsRefusedBeforeTheConsumer() throws Exception {
    String body = new Wire.Hello("m1").toJson();
    ReplyException r = refused(body, new DeliveryOptions());
    assertEquals(Wire.UNAUTHORIZED, r.failureCode());
    assertEquals("not signed with the cluster's secret: refused", r.getMessage());
    assertEquals(List.of(), received, "the consumer never saw it");
    assertEquals(List.of(body), forged, "the forged hook did");
  }

  @Test
  void aMessageSignedWithAnotherSecretOrForAnotherBodyIsRefused() throws Exception {
    String body = new Wire.Hello("m1").toJson();
    ReplyException other = refused(body, CommandSigner.random().signed(body, 10_000));
    assertEquals(Wire.UNAUTHORIZED, other.failureCode());
    String tampered = new Wire.Hello("m2").toJson();
    ReplyException moved = refused(tampered, signer.signed(body, 10_000));
    assertEquals(Wire.UNAUTHORIZED, moved.failureCode(), "a signature of another body");
    assertEquals(List.of(), received);
    assertEquals(2, forged.size());
  }

  @Test
  void aSignedMessageThatDoesNotDecodeIsRefusedNamingTheField() throws Exception {
    String body = "{\"member\":7}";
    ReplyException r = refused(body, signer.signed(body, 10_000));
    assertEquals(Wire.BAD_REQUEST, r.failureCode());
    assertEquals("a hello's 'member' must be a string, got 7", r.getMessage());
    assertEquals(List.of(), received);
    assertTrue(forged.isEmpty(), "signed: not forged, only malformed");
  }
}
