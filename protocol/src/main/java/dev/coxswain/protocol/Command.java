package dev.coxswain.protocol;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A request to change a running training job. The envelope is deliberately loose (a type name and a
 * map of arguments) so that a malformed command can still be received, answered and recorded;
 * {@link Action#parse} turns it into a typed action or a readable rejection.
 *
 * @param id unique id, echoed in the command's one result
 * @param type wire name, e.g. {@code set_knobs}
 * @param source who issued it
 * @param args arguments as JSON values
 * @param reason why, in words (optional)
 * @param time when it was issued
 */
public record Command(
    String id, String type, Source source, Map<String, Object> args, String reason, Instant time) {

  public Command {
    args =
        args == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
    if (id == null || id.isBlank()) {
      id = newId();
    }
    if (source == null) {
      source = Source.API;
    }
    if (time == null) {
      time = Instant.now();
    }
  }

  /** A new command with a fresh id, issued now. */
  public static Command of(String type, Source source, Map<String, Object> args) {
    return new Command(newId(), type, source, args, null, Instant.now());
  }

  /** The same command with a reason attached. */
  public Command withReason(String why) {
    return new Command(id, type, source, args, why, time);
  }

  /** A short random id. */
  public static String newId() {
    return "c-" + UUID.randomUUID().toString().substring(0, 13);
  }
}
