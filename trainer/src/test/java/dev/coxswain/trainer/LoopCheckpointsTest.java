package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.loop.StatePart;
import dev.coxswain.trainer.loop.StepFigures;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint one of whose parts does not restore changes nothing, loaded or resumed (the loop has
 * no knobs at all: that runs too).
 */
class LoopCheckpointsTest {
  @TempDir Path dir;

  /** A counter that grows by one a step, and a second part whose restore can be made to fail. */
  static final class Counter {
    int value;
    volatile boolean refuse;

    OwnLoop loop() {
      return OwnLoop.builder("counter")
          .state(
              "value",
              new StatePart() {
                @Override
                public void save(OutputStream out) throws IOException {
                  new DataOutputStream(out).writeInt(value);
                }

                @Override
                public void restore(InputStream in) throws IOException {
                  value = new DataInputStream(in).readInt();
                }
              })
          .state(
              "other",
              new StatePart() {
                @Override
                public void save(OutputStream out) {}

                @Override
                public void restore(InputStream in) throws IOException {
                  if (refuse) {
                    throw new IOException("the other part does not fit");
                  }
                }
              })
          .loop(
              steer -> {
                do {
                  value++;
                } while (steer.boundary(StepFigures.loss(value)));
              })
          .build();
    }
  }

  @Test
  void aPartThatDoesNotRestorePutsTheOthersBack() throws Exception {
    Counter c = new Counter();
    Recorder rec = new Recorder();
    OwnLoopTrainer t =
        OwnLoopTrainer.builder(c.loop(), Fixtures.config(8).build())
            .optRunDir(dir)
            .optSink(rec)
            .build();
    CompletableFuture<CompletableFuture<CommandResult>> load = new CompletableFuture<>();
    rec.at(3, e -> t.submit(Command.of("save_checkpoint", Source.HUMAN, Map.of("tag", "three"))));
    rec.at(
        6,
        e -> {
          c.refuse = true;
          load.complete(
              t.submit(Command.of("load_checkpoint", Source.HUMAN, Map.of("checkpoint", "three"))));
        });
    assertEquals("finished", t.run().status());
    CommandResult r = load.get().get(10, TimeUnit.SECONDS);
    assertEquals(CommandStatus.REJECTED, r.status());
    assertTrue(
        r.reason().contains("nothing changed") && r.reason().contains("does not fit"), r.reason());
    assertEquals(7.0, rec.losses("main").get(7L), "the counter went on from 6, not from 3");
    assertEquals(8, c.value);

    Counter fresh = new Counter();
    fresh.refuse = true;
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                OwnLoopTrainer.builder(fresh.loop(), Fixtures.config(8).build())
                    .optRunDir(dir)
                    .optResumeFrom("three")
                    .build());
    assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    assertEquals(0, fresh.value, "the part that restored was put back");
  }
}
