package dev.coxswain.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's own check of what arrives on its run's addresses. */
class TrainerNodeTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  private ReplyException refused(String body, DeliveryOptions o) throws Exception {
    try {
      server
          .vertx()
          .eventBus()
          .request(Addresses.commands("t1"), body, o)
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return (ReplyException) e.getCause();
    }
    throw new AssertionError("the trainer took " + body);
  }

  @Test
  void aCommandWithoutTheClustersSignatureIsRefusedAndRecordedAsForged() throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 3, 60);
    String body = "{\"id\":\"forged-1\",\"type\":\"stop\",\"source\":\"human\",\"args\":{}}";
    ReplyException unsigned = refused(body, new DeliveryOptions());
    assertEquals(401, unsigned.failureCode());
    ReplyException wrong =
        refused(
            body,
            new DeliveryOptions()
                .addHeader(CommandSigner.HEADER, CommandSigner.random().sign(body)));
    assertEquals(401, wrong.failureCode(), "signed with another secret");
    List<Event> log = server.store().scan(e -> true, 1_000_000);
    assertTrue(
        log.stream()
            .noneMatch(
                e -> e.type() == EventType.COMMAND && "forged-1".equals(e.payload().get("id"))),
        "nothing of it recorded as a command");
    assertEquals(
        2,
        log.stream()
            .filter(
                e ->
                    e.type() == EventType.HEALTH
                        && "forged_command".equals(e.payload().get("kind")))
            .count(),
        "each attempt recorded as a health event");
    assertEquals("running", server.store().status(), "the run goes on");
    // the API's own, signed, still gets through
    assertEquals(202, http.command("t1", "{\"type\":\"pause\"}").statusCode());
  }
}
