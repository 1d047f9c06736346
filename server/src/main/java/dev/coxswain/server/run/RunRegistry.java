package dev.coxswain.server.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The runs this server knows: live ones it hosts and finished ones found on disk. */
public final class RunRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(RunRegistry.class);

  private final Map<String, RunStore> stores = new ConcurrentHashMap<>();
  private final Map<String, RunHost> hosts = new ConcurrentHashMap<>();

  /**
   * Opens every run directory under {@code root} (read-only history); unreadable ones are skipped.
   */
  public void scan(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.filter(p -> Files.exists(p.resolve("run.json"))).toList()) {
        try {
          RunStore s = RunStore.open(d);
          stores.putIfAbsent(s.runId(), s);
        } catch (IOException | RuntimeException e) {
          LOG.warn("skipping run directory {}: {}", d, e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list runs in {}: {}", root, e.getMessage());
    }
  }

  public void add(RunStore store, RunHost host) {
    RunStore old = stores.put(store.runId(), store);
    if (old != null && old != store) {
      old.close();
    }
    if (host != null) {
      hosts.put(store.runId(), host);
    }
  }

  public Optional<RunStore> store(String id) {
    return Optional.ofNullable(stores.get(id));
  }

  /** The host of a run this server is training, if it is. */
  public Optional<RunHost> host(String id) {
    return Optional.ofNullable(hosts.get(id));
  }

  public List<RunStore> all() {
    List<RunStore> out = new ArrayList<>(stores.values());
    out.sort(Comparator.comparing(s -> String.valueOf(s.runJson().get("started"))));
    return out;
  }

  public List<RunHost> hosts() {
    return new ArrayList<>(hosts.values());
  }

  public void closeAll() {
    stores.values().forEach(RunStore::close);
  }
}
