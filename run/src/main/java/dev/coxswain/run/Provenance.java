package dev.coxswain.run;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Versions and machine facts recorded in run.json so a result can be traced and repeated. */
public final class Provenance {
  private Provenance() {}

  /** Coxswain's own version, from the build. */
  public static String version() {
    try (InputStream in =
        Provenance.class.getResourceAsStream("/dev/coxswain/run/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  public static Map<String, Object> collect() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("coxswain", version());
    m.put("djl", Engine.getDjlVersion());
    m.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put(
        "djl_offline",
        System.getProperty("ai.djl.offline", System.getenv().getOrDefault("DJL_OFFLINE", "false")));
    return m;
  }
}
