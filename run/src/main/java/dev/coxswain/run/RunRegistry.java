package dev.coxswain.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs a control plane knows: live ones (their replicas, with whether their trainer answers)
 * and finished ones found on disk.
 */
public final class RunRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(RunRegistry.class);

  private final Map<String, RunStore> stores = new ConcurrentHashMap<>();
  private final Map<String, Boolean> attached = new ConcurrentHashMap<>(); // id -> lost?
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

  /** Told when a run's store comes into the registry and when it leaves (or is replaced). */
  public interface Watcher {
    void added(RunStore store);

    void removed(RunStore store);
  }

  /**
   * Tells {@code w} about every store held now and every one added or removed from now on. A store
   * added while this runs may be told twice: a watcher takes a store it already has as a no-op.
   */
  public void watch(Watcher w) {
    watchers.add(w);
    stores.values().forEach(w::added);
  }

  /**
   * Runs of a scan that keep their console history in memory from the read that opens them (the
   * most recently written; up to 64 MB of columns each): the others read their log when a console
   * opens them, so a folder of many nights does not fill the heap.
   */
  static final int KEPT_AT_SCAN = 4;

  /**
   * Opens every run directory under {@code root} (read-only history): a control plane's replica
   * where there is one, else the trainer's own log. Unreadable ones are skipped.
   */
  public void scan(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      int kept = 0;
      for (Path d : newestFirst(dirs.filter(p -> Files.exists(p.resolve("run.json"))).toList())) {
        try {
          if (!Files.exists(d.resolve(RunStore.REPLICA)) && RunLock.heldElsewhere(d).isPresent()) {
            // another process trains it: opening would repair the tail it is writing
            LOG.info("run directory {} is live in another process; not listed here", d);
            continue;
          }
          String logName =
              Files.exists(d.resolve(RunStore.REPLICA)) ? RunStore.REPLICA : RunStore.LOG;
          RunStore s = RunStore.open(d, logName, kept < KEPT_AT_SCAN);
          kept += s.keepsHistory() ? 1 : 0;
          if (stores.putIfAbsent(s.runId(), s) == null) {
            watchers.forEach(w -> w.added(s));
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("skipping run directory {}: {}", d, e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list runs in {}: {}", root, e.getMessage());
    }
  }

  // the directories whose log was written last first
  private static List<Path> newestFirst(List<Path> dirs) {
    java.util.Map<Path, Long> written = new java.util.HashMap<>();
    for (Path d : dirs) {
      long t = 0;
      for (String log : List.of(RunStore.REPLICA, RunStore.LOG)) {
        try {
          t = Math.max(t, Files.getLastModifiedTime(d.resolve(log)).toMillis());
        } catch (IOException e) {
          // no such log: the other one says
        }
      }
      written.put(d, t);
    }
    return dirs.stream()
        .sorted(java.util.Comparator.comparing((Path d) -> written.get(d)).reversed())
        .toList();
  }

  /** Adds (or replaces) the store the API serves for a run. */
  public void add(RunStore store) {
    RunStore old = stores.put(store.runId(), store);
    if (old == store) {
      return;
    }
    if (old != null) {
      old.close();
      watchers.forEach(w -> w.removed(old));
    }
    watchers.forEach(w -> w.added(store));
  }

  /** Takes a run out of the registry (closing its store): the API and the metrics forget it. */
  public void remove(String id) {
    attached.remove(id);
    RunStore old = stores.remove(id);
    if (old != null) {
      old.close();
      watchers.forEach(w -> w.removed(old));
    }
  }

  public Optional<RunStore> store(String id) {
    return Optional.ofNullable(stores.get(id));
  }

  /** A trainer has joined for this run (it takes commands while it is not lost). */
  public void attach(String id) {
    attached.put(id, false);
  }

  /** The run's trainer has gone (its run ended, or it left). */
  public void detach(String id) {
    attached.remove(id);
  }

  /** Marks the run's trainer lost (missed heartbeats) or back. */
  public void setLost(String id, boolean lost) {
    attached.computeIfPresent(id, (k, v) -> lost);
  }

  /** Whether a trainer is attached to the run and answering heartbeats. */
  public boolean live(String id) {
    return Boolean.FALSE.equals(attached.get(id));
  }

  /** Whether the run's trainer is attached but has missed its heartbeats. */
  public boolean lost(String id) {
    return Boolean.TRUE.equals(attached.get(id));
  }

  public List<RunStore> all() {
    List<RunStore> out = new ArrayList<>(stores.values());
    out.sort(Comparator.comparing(s -> String.valueOf(s.runJson().get("started"))));
    return out;
  }

  public void closeAll() {
    stores.values().forEach(RunStore::close);
  }
}
