package dev.coxswain.server.api;

import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a {@code load_checkpoint} reference against the checkpoints a run has, so that a name that
 * does not exist is refused at once with the closest ones, instead of accepted and rejected later
 * by the trainer (which still checks, for races with retention).
 */
final class CheckpointRefs {
  private static final int SUGGESTIONS = 3;

  private CheckpointRefs() {}

  /**
   * @throws InvalidCommandException naming {@code args.checkpoint} when {@code ref} is neither an
   *     id, a tag nor {@code latest} of one of {@code known}
   */
  static void check(String ref, List<CheckpointMeta> known) throws InvalidCommandException {
    if (known.isEmpty()) {
      throw new InvalidCommandException(
          "args.checkpoint", "no checkpoint '" + ref + "': the run has no checkpoints yet");
    }
    for (CheckpointMeta m : known) {
      if (ref.equals(m.id()) || ref.equals(m.tag()) || "latest".equals(ref)) {
        return;
      }
    }
    throw new InvalidCommandException(
        "args.checkpoint",
        "no checkpoint '" + ref + "'; closest: " + String.join(", ", closest(ref, known)));
  }

  /** The names (ids and tags) nearest to {@code ref}: same branch and nearest step first. */
  static List<String> closest(String ref, List<CheckpointMeta> known) {
    String branch = ref.contains("/") ? ref.substring(0, ref.lastIndexOf('/')) : null;
    long step = stepOf(ref);
    List<CheckpointMeta> sorted = new ArrayList<>(known);
    sorted.sort(
        Comparator.<CheckpointMeta>comparingInt(m -> m.branch().equals(branch) ? 0 : 1)
            .thenComparingLong(m -> step < 0 ? 0 : Math.abs(m.step() - step))
            .thenComparingInt(m -> Math.min(distance(ref, m.id()), tagDistance(ref, m)))
            .thenComparing(Comparator.comparing(CheckpointMeta::time).reversed()));
    Set<String> out = new LinkedHashSet<>();
    for (CheckpointMeta m : sorted) {
      if (out.size() == SUGGESTIONS) {
        break;
      }
      out.add(m.tag() != null && tagDistance(ref, m) < distance(ref, m.id()) ? m.tag() : m.id());
    }
    return new ArrayList<>(out);
  }

  private static long stepOf(String ref) {
    try {
      return Long.parseLong(ref.substring(ref.lastIndexOf('/') + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int tagDistance(String ref, CheckpointMeta m) {
    return m.tag() == null ? Integer.MAX_VALUE : distance(ref, m.tag());
  }

  // Levenshtein distance, for names that are not branch/step (tags, typos of them)
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
