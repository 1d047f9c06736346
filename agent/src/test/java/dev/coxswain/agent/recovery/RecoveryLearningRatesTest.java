package dev.coxswain.agent.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.event.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A rollback halves every learning rate the run registered, and only those. */
class RecoveryLearningRatesTest {
  private final List<String> sent = new ArrayList<>();
  private final List<String> said = new ArrayList<>();

  private Recovery recovery() {
    return new Recovery(
        3, 20, 3, (type, args, source, why) -> sent.add(type + " " + args), (k, m) -> said.add(m));
  }

  private static Event knobs(List<Knob> specs) {
    Map<String, Double> values = new java.util.LinkedHashMap<>();
    specs.forEach(k -> values.put(k.name(), k.value()));
    return Event.of(
        "r", "main", 0, new Payload.Knobs(values, specs, null, null, null, null, null, null));
  }

  private static Knob lr(String name) {
    return Knob.real(name).bounds(1e-6, 1e-2).initial(1e-3).log().role(Knob.LEARNING_RATE).build();
  }

  private void diverge(Recovery r) {
    r.accept(Event.of("r", "main", 10, new Payload.Checkpoint("main/10", null, false, null)));
    for (long s = 11; s <= 13; s++) {
      r.accept(
          Event.of(
              "r", "main", s, new Payload.Metrics(null, 1e-3, null, null, null, null, null, true)));
    }
  }

  @Test
  void bothLearningRatesOfAGanAreHalvedAfterTheRollback() {
    Recovery r = recovery();
    r.accept(
        knobs(
            List.of(
                lr("lr_g"),
                lr("lr_d"),
                Knob.integer("n_critic").bounds(1, 10).initial(2).build())));
    diverge(r);
    assertEquals(3, sent.size(), sent.toString());
    assertTrue(sent.get(0).startsWith("load_checkpoint"), sent.toString());
    assertTrue(
        sent.get(1).contains("knob=lr_g") && sent.get(1).contains("factor=0.5"), sent.get(1));
    assertTrue(sent.get(2).contains("knob=lr_d"), sent.get(2));
    assertTrue(said.get(0).contains("with lr_g, lr_d x0.5"), said.get(0));
  }

  @Test
  void aRunWithoutALearningRateIsRolledBackWithoutHalvingAnything() {
    Recovery r = recovery();
    r.accept(knobs(List.of(Knob.integer("n_critic").bounds(1, 10).initial(2).build())));
    diverge(r);
    assertEquals(1, sent.size(), sent.toString());
    assertTrue(sent.get(0).startsWith("load_checkpoint"), sent.toString());
    assertTrue(said.get(0).contains("no learning-rate knob to halve"), said.get(0));
  }

  @Test
  void aRollbackGoesToACheckpointThatStillExistsNotOneRetentionDeleted() {
    Recovery r = recovery();
    r.accept(knobs(List.of(lr("lr"))));
    r.accept(Event.of("r", "main", 5, new Payload.Checkpoint("main/5", "best", false, null)));
    r.accept(Event.of("r", "main", 8, new Payload.Checkpoint("main/8", null, true, null)));
    // the step-10 save pruned the step-8 one: the newest from before the trouble is main/5
    r.accept(
        Event.of(
            "r", "main", 10, new Payload.Checkpoint("main/10", null, true, List.of("main/8"))));
    for (long s = 11; s <= 13; s++) {
      r.accept(
          Event.of(
              "r", "main", s, new Payload.Metrics(null, 1e-3, null, null, null, null, null, true)));
    }
    assertTrue(sent.get(0).contains("checkpoint=main/10"), sent.toString());

    // trouble from step 9 on: main/10 and the pruned main/8 are not candidates, main/5 is
    Recovery late = recovery();
    sent.clear();
    late.accept(knobs(List.of(lr("lr"))));
    late.accept(Event.of("r", "main", 5, new Payload.Checkpoint("main/5", "best", false, null)));
    late.accept(Event.of("r", "main", 8, new Payload.Checkpoint("main/8", null, true, null)));
    for (long s = 9; s <= 11; s++) {
      if (s == 10) {
        late.accept(
            Event.of(
                "r", "main", 10, new Payload.Checkpoint("main/10", null, true, List.of("main/8"))));
      }
      late.accept(
          Event.of(
              "r", "main", s, new Payload.Metrics(null, 1e-3, null, null, null, null, null, true)));
    }
    assertTrue(sent.get(0).contains("checkpoint=main/5"), sent.toString());
  }
}
