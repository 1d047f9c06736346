package dev.coxswain.protocol.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RunStateTest {

  private static RunState fold(List<Event> events) {
    RunState s = new RunState();
    events.forEach(s::apply);
    return s;
  }

  @Test
  void everyFixtureFoldsToTheStateWrittenByHand() throws Exception {
    List<Path> fixtures;
    try (Stream<Path> files = Files.list(Fixtures.EVENTS)) {
      fixtures = files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
    }
    assertEquals(2, fixtures.size(), "the fixtures: " + fixtures);
    for (Path f : fixtures) {
      Path expected = Path.of(f.toString().replace(".jsonl", ".expected.json"));
      RunState s = fold(Fixtures.events(f));
      assertEquals(
          Fixtures.normal(Fixtures.expected(expected)),
          Fixtures.normal(s.view()),
          f.getFileName().toString());
    }
  }

  @Test
  void aForkKnowsItsAncestryAndEachBranchItsOwnEvaluation() throws Exception {
    RunState s = fold(Fixtures.events(Fixtures.EVENTS.resolve("fork-resume-rollback.jsonl")));
    assertEquals(
        List.of("b2", "retry", "main"),
        s.ancestry("b2").stream().map(RunState.BranchInfo::name).toList());
    assertEquals(List.of(), s.ancestry("nope"));
    assertEquals(1.6, s.lastEval(s.branch()).orElseThrow().value().evalLoss());
    assertEquals(2.1, s.lastEval("retry").orElseThrow().value().evalLoss());
    assertEquals(1.9, s.bestEval("main").orElseThrow().value().evalLoss());
    assertEquals(3, s.bestEval("main").orElseThrow().step());
    assertEquals(List.of("lr", "weight_decay"), s.knobs().stream().map(k -> k.name()).toList());
  }

  @Test
  void theRunOfDecember2FoldsToWhatItsDirectorySays() throws Exception {
    RunState s = fold(Fixtures.events(Fixtures.RUN.resolve("events.jsonl")));
    assertEquals("stopped", s.status());
    assertEquals("b2", s.branch());
    assertEquals(
        List.of("b2", "retry", "main"),
        s.ancestry("b2").stream().map(RunState.BranchInfo::name).toList());
    // the checkpoints the fold keeps are the ones on disk: pruned ones left both
    TreeSet<String> onDisk = new TreeSet<>();
    for (String b : List.of("main", "retry", "b2")) {
      try (Stream<Path> steps = Files.list(Fixtures.RUN.resolve("checkpoints").resolve(b))) {
        steps.forEach(p -> onDisk.add(b + "/" + p.getFileName()));
      }
    }
    assertEquals(
        onDisk,
        s.checkpoints().stream()
            .map(RunState.CheckpointInfo::id)
            .collect(Collectors.toCollection(TreeSet::new)));
    // every command the log received has its one result
    assertEquals(
        List.of(),
        s.commands().stream().filter(r -> r.result() == null).map(r -> r.command().id()).toList());
    assertEquals(s.lastEval("b2").orElseThrow().branch(), "b2", "the live branch's own evaluation");
  }

  @Test
  void aMalformedEventChangesNothing() throws IOException {
    RunState s = fold(Fixtures.events(Fixtures.EVENTS.resolve("every-type.jsonl")));
    Map<String, Object> before = s.view();
    Event bad =
        new Event(99, "fx", "other", 9, EventType.EVAL, Instant.now(), Map.of("eval_loss", "low"));
    assertThrows(MalformedPayloadException.class, () -> s.apply(bad));
    assertEquals(before, s.view());
  }

  @Test
  void theCommandHistoryKeepsItsLimit() throws IOException {
    RunState s = new RunState(2);
    Fixtures.events(Fixtures.EVENTS.resolve("fork-resume-rollback.jsonl")).forEach(s::apply);
    assertEquals(List.of("c-r", "c-p"), s.commands().stream().map(r -> r.command().id()).toList());
  }
}
