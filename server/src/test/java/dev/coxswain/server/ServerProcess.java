package dev.coxswain.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `coxswain` in a separate JVM, for tests that kill it or read everything it prints. */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern SERVING =
      Pattern.compile("serving run (\\S+) on http://127\\.0\\.0\\.1:(\\d+)/");
  private final Process process;
  private final Path out;
  private final Path err;
  private int port;
  private String runId;

  private ServerProcess(Process p, Path out, Path err) {
    this.process = p;
    this.out = out;
    this.err = err;
  }

  /**
   * Starts {@code coxswain <args>} with extra environment; output goes to files in {@code logs}.
   */
  public static ServerProcess start(Path logs, Map<String, String> env, String... args)
      throws IOException {
    return startMain(logs, env, "dev.coxswain.server.Main", args);
  }

  /** Starts {@code java -jar JAR <args>} (another build, for a benchmark), the same way. */
  public static ServerProcess startJar(Path logs, Map<String, String> env, Path jar, String... args)
      throws IOException {
    Files.createDirectories(logs);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JvmOptions.required());
    cmd.add("-Xmx512m");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    Path out = logs.resolve("jar-out.txt");
    Path err = logs.resolve("jar-err.txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    return new ServerProcess(pb.start(), out, err);
  }

  /**
   * As {@link #start}, with SIGINT at its default disposition: a process started from a background
   * job inherits SIGINT ignored, and a test that sends it Ctrl-C needs it to arrive.
   */
  public static ServerProcess startInterruptible(Path logs, Map<String, String> env, String... args)
      throws IOException {
    return startMain(
        logs, env, List.of("env", "--default-signal=INT"), "dev.coxswain.server.Main", args);
  }

  /** Starts another main class of the test class path, the same way. */
  public static ServerProcess startMain(
      Path logs, Map<String, String> env, String mainClass, String... args) throws IOException {
    return startMain(logs, env, List.of(), mainClass, args);
  }

  private static ServerProcess startMain(
      Path logs, Map<String, String> env, List<String> prefix, String mainClass, String... args)
      throws IOException {
    Files.createDirectories(logs);
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JvmOptions.required()); // DJL offline, what Hazelcast asks for on Java 17
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    int n = 0;
    while (Files.exists(logs.resolve("out-" + n + ".txt"))) {
      n++;
    }
    Path out = logs.resolve("out-" + n + ".txt");
    Path err = logs.resolve("err-" + n + ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    return new ServerProcess(pb.start(), out, err);
  }

  /** Waits for the line that says where it serves; fails with its output if it exits first. */
  public ServerProcess awaitServing(long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      Matcher m = SERVING.matcher(Files.readString(out));
      if (m.find()) {
        runId = m.group(1);
        port = Integer.parseInt(m.group(2));
        return this;
      }
      if (!process.isAlive()) {
        throw new AssertionError("coxswain exited with " + process.exitValue() + ": " + output());
      }
      process.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new AssertionError("coxswain did not start within " + seconds + " s: " + output());
  }

  /** Waits for a line of its standard output that matches; fails with its output if it exits. */
  public Matcher awaitOutput(Pattern p, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      Matcher m = p.matcher(Files.readString(out));
      if (m.find()) {
        return m;
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            "exited with " + process.exitValue() + " before '" + p + "': " + output());
      }
      process.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new AssertionError("no '" + p + "' within " + seconds + " s: " + output());
  }

  public int port() {
    return port;
  }

  public String runId() {
    return runId;
  }

  public Process process() {
    return process;
  }

  /** Everything it printed so far, stdout then stderr. */
  public String output() throws IOException {
    return Files.readString(out) + "\n--- stderr ---\n" + Files.readString(err);
  }

  /** kill -9: no shutdown hook runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Sends a signal by name (INT, TERM), as kill does; returns without waiting for its effect. */
  public void signal(String name) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    // kill fails only for a process that has already ended: that one needs no signal
    if (!kill.waitFor(30, TimeUnit.SECONDS) || (kill.exitValue() != 0 && process.isAlive())) {
      throw new AssertionError(
          "kill -" + name + " failed: " + new String(kill.getInputStream().readAllBytes()));
    }
  }

  /** Waits for the process to end by itself; its exit code. */
  public int awaitExit(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("no exit within " + seconds + " s");
    }
    return process.exitValue();
  }

  /** SIGTERM, then wait for a clean exit. */
  public int terminate(long seconds) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("no exit within " + seconds + " s of SIGTERM");
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
