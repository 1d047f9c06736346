package dev.coxswain.run;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Versions and machine facts recorded in run.json (its {@code provenance} section) so a result can
 * be traced and repeated.
 *
 * @param coxswain Coxswain's own version
 * @param engine the engine and its version, e.g. {@code PyTorch 2.7.1}
 * @param djlOffline whether DJL was kept offline, as set ({@code "true"})
 */
public record Provenance(
    String coxswain,
    String djl,
    String engine,
    String java,
    String os,
    int cpus,
    String djlOffline) {

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

  /** This JVM's facts. */
  public static Provenance collect() {
    return new Provenance(
        version(),
        Engine.getDjlVersion(),
        Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("ai.djl.offline", System.getenv().getOrDefault("DJL_OFFLINE", "false")));
  }
}
