package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.error;
import static dev.coxswain.server.api.Replies.json;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.event.RunState;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /api/runs/{id}/commands} and the command history: a command goes through {@link
 * CommandIntake}, and the trainer has recorded it before the 202.
 */
final class CommandRoutes {
  private final RunRegistry runs;
  private final CommandIntake intake;

  CommandRoutes(RunRegistry runs, CommandIntake intake) {
    this.runs = runs;
    this.intake = intake;
  }

  void postCommand(RoutingContext ctx) {
    Optional<RunStore> found = Replies.run(ctx, runs);
    if (found.isEmpty()) {
      return;
    }
    RunStore store = found.get();
    Command command;
    try {
      command = intake.parse(CommandIntake.jsonObject(ctx.body().asString()), store);
    } catch (InvalidCommandException e) {
      error(ctx, 400, e.getMessage(), e.field());
      return;
    }
    intake
        .submit(store, command)
        .onSuccess(
            seq -> {
              Map<String, Object> ack = new LinkedHashMap<>();
              ack.put("id", command.id());
              ack.put("seq", seq);
              ack.put("status", "accepted");
              json(ctx, 202, ack);
            })
        .onFailure(
            err -> {
              CommandIntake.Refused r = (CommandIntake.Refused) err;
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("error", r.getMessage());
              out.put("field", r.field());
              if (r.status() == 503) {
                out.put("id", command.id());
              }
              json(ctx, r.status(), out);
            });
  }

  void commandHistory(RoutingContext ctx) {
    Replies.run(ctx, runs)
        .ifPresent(
            s -> {
              List<Map<String, Object>> out = new ArrayList<>();
              for (RunState.CommandRecord r : s.commands()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("command", r.command());
                m.put("seq", r.seq());
                m.put("result", r.result());
                out.add(m);
              }
              json(ctx, 200, Map.of("commands", out));
            });
  }
}
