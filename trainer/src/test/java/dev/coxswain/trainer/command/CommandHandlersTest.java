package dev.coxswain.trainer.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Source;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandHandlersTest {
  @Test
  void eachTypeHasOneHandlerAndATypeWithoutOneIsRefused() throws Exception {
    CommandHandlers h =
        new CommandHandlers()
            .register(
                Action.Note.class,
                (c, a, next) -> CommandResult.applied(c, next, Map.of("echo", a.text())));
    Command note = Command.of("note", Source.API, Map.of("text", "hi"));
    CommandResult r = h.dispatch(note, new Action.Note("hi"), 7);
    assertEquals(CommandStatus.APPLIED, r.status());
    assertEquals(7, r.step());
    assertEquals("hi", r.detail().get("echo"));
    Command stop = Command.of("stop", Source.API, Map.of());
    CommandResult refused = h.dispatch(stop, new Action.Stop(), 7);
    assertEquals(CommandStatus.REJECTED, refused.status());
    assertTrue(refused.reason().contains("'stop' is not supported"), refused.reason());
    IllegalStateException twice =
        assertThrows(
            IllegalStateException.class,
            () ->
                h.register(
                    Action.Note.class, (c, a, next) -> CommandResult.applied(c, next, Map.of())));
    assertTrue(twice.getMessage().contains("Note"), twice.getMessage());
  }
}
