package dev.coxswain.server.cli;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.api.ApiOptions;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Starts the server for a run, prints where it is, and waits for a signal (or the run's end). */
final class Serving {
  private Serving() {}

  /**
   * Prints the console's address. A generated token is printed once, here, and nowhere else (set
   * COXSWAIN_TOKEN to choose your own), in the fragment, so the browser never sends it to a server;
   * the console moves it to the tab's session storage and clears the address bar.
   */
  static void printConsole(String url, String envToken, String token) {
    if (envToken == null || envToken.isBlank()) {
      System.out.println("coxswain: console " + url + "#token=" + token);
    } else {
      System.out.println("coxswain: console " + url + " (token from COXSWAIN_TOKEN)");
    }
    System.out.flush();
  }

  /**
   * @param undo removes what the caller created for this start (a new run's directory), run when
   *     the start fails
   */
  static int serve(
      ServerOptions o,
      RunStore store,
      RunSpec spec,
      String resumeFrom,
      Path runsRoot,
      AgentSettings agent,
      Runnable undo)
      throws Exception {
    String envToken = System.getenv("COXSWAIN_TOKEN");
    ApiOptions api;
    try {
      // a run keeps its token across resume: a console tab left open works again
      api = o.api(RunToken.resolve(envToken, store.dir()), store.runId());
    } catch (IllegalArgumentException | java.io.IOException e) {
      store.close();
      undo.run();
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    CoxswainServer server;
    try {
      server = CoxswainServer.start(api, runsRoot, store, spec, resumeFrom, o.notifier(), agent);
    } catch (Exception e) {
      store.close();
      undo.run();
      System.err.println(StartFailure.describe(e, "cannot start", o.host, o.port));
      return 2;
    }
    String url = "http://" + o.host + ":" + server.port() + "/";
    System.out.println(
        "coxswain: serving run "
            + store.runId()
            + " on "
            + url
            + " (run directory "
            + store.dir()
            + ")");
    printConsole(url, envToken, api.token());
    CountDownLatch done = new CountDownLatch(1);
    // Ctrl-C or SIGTERM: stop at the next step, say where and how to resume, exit as the signal
    StopOnSignal.install(
        System.err,
        signal -> {
          server.shutdown(signal);
          long step = store.view().step();
          System.out.println(StopOnSignal.stoppedLine(step, store.dir(), store.status()));
          System.out.flush();
          System.exit(StopOnSignal.exitCode(signal));
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdown("JVM shutdown"); // after a signal's stop, nothing left to do
                  done.countDown();
                },
                "coxswain-shutdown"));
    if (o.exitWhenDone) {
      server
          .host()
          .finished()
          .toCompletionStage()
          .handle((r, e) -> null)
          .toCompletableFuture()
          .get();
      server.shutdown("run ended");
      return server.host().finished().succeeded() ? 0 : 1;
    }
    done.await();
    return 0;
  }
}
