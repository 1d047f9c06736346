package dev.coxswain.experiment;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The population-based training arm ({@link BenchArm#PBT}): {@link #FACTORS}.length members start
 * from the tuned lr times {@link #FACTORS} and train side by side, one thread each, on the seed's
 * batches and troubles as every other arm of the seed. Every evaluation step after the arm's own
 * part starts and before the deadline is a segment boundary: each member has evaluated and saved
 * its periodic checkpoint there and holds at its step gate; the worst member by that evaluation
 * then takes the best member's checkpoint (parameters, optimizer state, knobs, data position)
 * through the trainer's own {@code load_checkpoint}, and its lr becomes the best member's times 0.8
 * or 1.25 (a {@link Random} of the seed: the same choices every time). The arm scores the member
 * best at the deadline; its compute is every step of every member.
 *
 * <p>The members take turns, one segment each in member order (each on a thread of its own, held at
 * its step gate while another trains): DJL's PyTorch engine lets one gradient collector record at a
 * time in a process (a second is refused: "A PtGradientCollector is already collecting"). Their
 * builds take turns too, so what they do happens in the same order in every run of a seed.
 *
 * <p>The copy: the best member's checkpoint folder ({@code checkpoints/<branch>/<step>}, written by
 * its trainer, with the sha256 of each part in its meta.json) is copied into the worst member's
 * checkpoint store, where its trainer verifies and loads it onto a new branch {@code pbt-<step>}.
 * Layout: {@code member-<i>/} (run.json, events.jsonl) under the arm's run directory, whose {@code
 * result.json} names the winner and every copy.
 */
final class PopulationRunner {
  /** Each member's start lr, as a multiple of the tuned lr. */
  static final double[] FACTORS = {0.5, 1.0, 1.5, 2.0};

  /** What a copied member's lr becomes, as a multiple of the best member's. */
  static final double[] PERTURB = {0.8, 1.25};

  private final Scenario sc;
  private final ScenarioRunner runner;
  private final List<Member> members = new ArrayList<>();
  private final List<Pending> copies = new ArrayList<>();
  private Random rng;
  private int turn;
  private volatile Exception failure;

  private final ResultOrigin made;

  PopulationRunner(Scenario sc, ScenarioRunner runner, ResultOrigin made) {
    this.sc = sc;
    this.runner = runner;
    this.made = made;
  }

  /** A copy whose commands the worst member's trainer has not answered yet. */
  private record Pending(Population.Copy copy, CompletableFuture<Boolean> applied) {}

  /** One member: its run directory, trainer, observer and where it holds next. */
  private static final class Member {
    final int index;
    final double lr;
    final Path dir;
    final LrRecoveryArmRunner.Observer seen;
    final ArmController controller;
    volatile RunStore store;
    volatile InteractiveTrainer trainer;
    long heldAt = -1;
    boolean done;
    long nextBoundary;
    RunOutcome end;
    Exception failure;

    Member(int index, double lr, Path dir, LrRecoveryArmRunner.Observer seen) {
      this.index = index;
      this.lr = lr;
      this.dir = dir;
      this.seen = seen;
      this.controller = new ArmController(seen);
    }
  }

  /** The segments' length: the boundaries are the evaluations of the arm's own part. */
  int segment() {
    return sc.evalEvery();
  }

  private boolean boundary(long step) {
    return step > sc.start() && step < sc.deadline() && step % segment() == 0;
  }

  private long firstBoundary() {
    long k = (sc.start() / segment() + 1) * segment();
    return boundary(k) ? k : Long.MAX_VALUE;
  }

  /** Trains the population into {@code dir} and returns the arm's result (not yet written). */
  ScenarioResult run(double lr, long seed, Path dir, List<Trouble> troubles) throws Exception {
    rng = new Random(seed * 1_000_003L + 24);
    Files.createDirectories(dir);
    for (int i = 0; i < FACTORS.length; i++) {
      members.add(new Member(i, lr * FACTORS[i], dir.resolve("member-" + i), runner.observer()));
    }
    long t0 = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (Member m : members) {
      m.nextBoundary = firstBoundary();
      Thread t = new Thread(() -> train(m, seed, troubles), "pbt-member-" + m.index);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    for (Member m : members) {
      if (m.failure != null) {
        throw new IllegalStateException("pbt member " + m.index + " failed", m.failure);
      }
    }
    if (failure != null) {
      throw new IllegalStateException("pbt: a copy between members failed", failure);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    ScenarioResult r = result(lr, seed, troubles, wall);
    for (Member m : members) {
      RunFiles.deleteCheckpoints(m.dir.resolve("checkpoints"));
    }
    return r;
  }

  /** One member's whole run on its own thread; it leaves the population when it ends. */
  private void train(Member m, long seed, List<Trouble> troubles) {
    try {
      waitTurn(m);
      RunSpec spec = runner.spec(BenchArm.PBT, m.lr, seed, segment(), "-m" + m.index, troubles);
      m.store = RunStore.create(m.dir, spec.runJson());
      try (InteractiveTrainer trainer =
          InteractiveTrainer.builder(spec.workload(), spec.trainer())
              .optRunDir(m.dir)
              .optSink(m.store::append)
              .optRecordCommands(false)
              .optStepGate(step -> hold(m, step))
              .build()) {
        m.trainer = trainer;
        m.store.addListener(m.seen);
        m.store.addListener(m.controller);
        runner.steer(
            (source, type, args, reason) ->
                ScenarioRunner.submit(m.store, trainer, source, type, args, reason),
            m.store,
            BenchArm.PBT,
            m.lr,
            troubles);
        m.end = trainer.run();
      }
    } catch (Exception e) {
      m.failure = e;
    } finally {
      if (m.store != null) {
        m.store.close();
      }
      synchronized (this) {
        m.done = true;
        pass(m);
      }
    }
  }

  /** At a boundary the member hands the turn on and waits for its next one. */
  private void hold(Member m, long step) throws InterruptedException {
    if (step != m.nextBoundary) {
      return;
    }
    m.nextBoundary = boundary(step + segment()) ? step + segment() : Long.MAX_VALUE;
    synchronized (this) {
      m.heldAt = step;
      pass(m);
      waitTurn(m);
      m.heldAt = -1;
    }
  }

  private synchronized void waitTurn(Member m) throws InterruptedException {
    while (turn != m.index) {
      wait();
    }
  }

  /**
   * The turn goes to the next member still training; after the last one every member still training
   * is held at the same boundary: the copy is made and the first member goes on.
   */
  private synchronized void pass(Member m) {
    Member next =
        members.stream().filter(x -> !x.done && x.index > m.index).findFirst().orElse(null);
    if (next == null) {
      exploit();
      next = members.stream().filter(x -> !x.done).findFirst().orElse(null);
    }
    turn = next == null ? -1 : next.index;
    notifyAll();
  }

  /** Runs once per boundary with every member that is still training held there. */
  private void exploit() {
    List<Member> held = new ArrayList<>();
    long step = -1;
    for (Member m : members) {
      if (m.heldAt >= 0) {
        held.add(m);
        step = m.heldAt;
      }
    }
    if (held.size() < 2 || failure != null) {
      return;
    }
    final long k = step;
    // best first: the goal's metric the better way (a member without an evaluation there last)
    Comparator<Member> byValue =
        Comparator.comparingDouble((Member m) -> rank(value(m, k))).thenComparingInt(m -> m.index);
    Member best = held.stream().min(byValue).get();
    Member worst = held.stream().max(byValue).get();
    if (best == worst) {
      return;
    }
    try {
      copy(best, worst, k);
    } catch (Exception e) {
      failure = e;
    }
  }

  /** A member's evaluation at the boundary; a diverged one ranks last. */
  private double value(Member m, long step) {
    for (double[] e : m.seen.evals) {
      if ((long) e[0] == step && Double.isFinite(e[1])) {
        return e[1];
      }
    }
    return Double.NaN;
  }

  /** A value as an ascending rank: lower is better whichever way the goal goes; NaN is worst. */
  private double rank(double v) {
    if (!Double.isFinite(v)) {
      return Double.POSITIVE_INFINITY;
    }
    return sc.maximize() ? -v : v;
  }

  /** The worst member takes the best one's checkpoint at the boundary and a perturbed lr. */
  private void copy(Member best, Member worst, long step) throws IOException {
    String branch = best.trainer.branch();
    String id = branch + "/" + step;
    Path from = best.dir.resolve("checkpoints").resolve(branch).resolve(Long.toString(step));
    if (!Files.exists(from.resolve("meta.json"))) {
      throw new IOException("no checkpoint " + id + " of member " + best.index + " at " + from);
    }
    Path to = worst.dir.resolve("checkpoints").resolve(branch).resolve(Long.toString(step));
    RunFiles.deleteCheckpoints(to); // the worst member's own state there, if on the same branch
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    double lrBest = lrOf(best.trainer);
    double factor = PERTURB[rng.nextInt(PERTURB.length)];
    double lrAfter = lrBest * factor;
    String into = "pbt-" + step;
    String why =
        String.format(
            java.util.Locale.ROOT,
            "pbt: member %d (%.4f) takes member %d's checkpoint (%.4f) and lr x%s",
            worst.index,
            value(worst, step),
            best.index,
            value(best, step),
            factor);
    CompletableFuture<CommandResult> load =
        send(worst, "load_checkpoint", Map.of("checkpoint", id, "branch", into), why);
    CompletableFuture<CommandResult> lr = send(worst, "set_knobs", Map.of("lr", lrAfter), why);
    Population.Copy c =
        new Population.Copy(
            step,
            best.index,
            worst.index,
            value(best, step),
            value(worst, step),
            id,
            into,
            lrBest,
            factor,
            lrAfter,
            false);
    copies.add(new Pending(c, load.thenCombine(lr, (a, b) -> a.isApplied() && b.isApplied())));
  }

  private static CompletableFuture<CommandResult> send(
      Member m, String type, Map<String, Object> args, String reason) {
    Command c = Command.of(type, Source.RULE, args).withReason(reason);
    m.store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(c)));
    return m.trainer.submit(c);
  }

  private static double lrOf(InteractiveTrainer t) {
    for (Knob k : t.knobs()) {
      if (k.name().equals("lr")) {
        return k.value();
      }
    }
    throw new IllegalStateException("the run has no lr knob");
  }

  /** The member best at the deadline stands for the arm; every member's steps count. */
  private ScenarioResult result(double lr, long seed, List<Trouble> troubles, double wall) {
    Member winner = null;
    double best = Double.POSITIVE_INFINITY;
    for (Member m : members) {
      double v = rank(score(m));
      if (winner == null || v < best) {
        winner = m;
        best = v;
      }
    }
    List<Long> steps = members.stream().map(m -> m.seen.stepsTrained).toList();
    long compute = steps.stream().mapToLong(Long::longValue).sum();
    List<ScenarioResult.Action> actions = new ArrayList<>();
    members.forEach(m -> actions.addAll(m.controller.actions));
    actions.sort(Comparator.comparingLong(ScenarioResult.Action::step));
    List<double[]> evals = new ArrayList<>();
    for (double[] e : winner.seen.evals) {
      double v = sc.metric().equals("perplexity") ? Math.exp(e[1]) : e[1];
      evals.add(new double[] {e[0], v});
    }
    Population pop =
        new Population(
            java.util.Arrays.stream(FACTORS).boxed().toList(),
            members.stream().map(m -> m.lr).toList(),
            segment(),
            winner.index,
            steps,
            compute,
            copies.stream().map(p -> p.copy().applied(p.applied().getNow(false))).toList());
    return new ScenarioResult(
        sc.name(),
        sc.digest(),
        BenchArm.PBT.wire(),
        seed,
        lr,
        winner.end.status(),
        winner.end.step(),
        compute,
        sc.metric(),
        evals,
        troubles,
        actions,
        0,
        Map.of(),
        made.commit(),
        wall,
        pop);
  }

  private double score(Member m) {
    if (m.end == null) {
      return Double.NaN;
    }
    ScenarioResult one =
        new ScenarioResult(
            "",
            "",
            "",
            0,
            0,
            m.end.status(),
            m.end.step(),
            0,
            "",
            m.seen.evals,
            List.of(),
            List.of(),
            0,
            Map.of(),
            "",
            0,
            null);
    return one.scoreAt(sc.deadline());
  }
}
