package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A typed, bounded, described control of a running job, with its current value. A run registers its
 * knobs when it is built (Coxswain's own loop registers its optimizer's); every command, the
 * console and the agent read them from here.
 *
 * @param name e.g. {@code lr}
 * @param type real, integer, boolean or one of a set ({@link KnobType})
 * @param value current value (0/1 for a boolean, the option's index for a choice)
 * @param min inclusive lower bound
 * @param max inclusive upper bound
 * @param description what it does, for people and for the agent's prompt
 * @param scale linear or log: multiplying only makes sense on a log knob (default linear)
 * @param unit what its value is measured in, or null
 * @param role what it is for, so that policies can act on every knob of one role (e.g. {@link
 *     #LEARNING_RATE}), or null
 * @param choices the options of a choice knob, empty for the others
 */
public record Knob(
    String name,
    KnobType type,
    double value,
    double min,
    double max,
    String description,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = LinearScale.class)
        KnobScale scale,
    String unit,
    String role,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> choices) {

  /** The role of a learning rate: the agent's halving and doubling rules act on it. */
  public static final String LEARNING_RATE = "learning_rate";

  public Knob {
    if (name == null || !name.matches("[a-z][a-z0-9_.]{0,63}")) {
      throw new IllegalArgumentException("knob name must match [a-z][a-z0-9_.]{0,63}: " + name);
    }
    if (type == null) {
      throw new IllegalArgumentException("knob " + name + ": a type is required");
    }
    scale = scale == null ? KnobScale.LINEAR : scale;
    choices = choices == null ? List.of() : List.copyOf(choices);
    if (role != null && !role.matches("[a-z][a-z0-9_]{0,31}")) {
      throw new IllegalArgumentException("knob " + name + ": role must match [a-z][a-z0-9_]*");
    }
    if (type == KnobType.BOOL) {
      min = 0;
      max = 1;
    }
    if (type == KnobType.CHOICE) {
      if (choices.isEmpty() || choices.stream().distinct().count() != choices.size()) {
        throw new IllegalArgumentException(
            "knob " + name + ": a choice knob needs distinct options, got " + choices);
      }
      min = 0;
      max = choices.size() - 1;
    } else if (!choices.isEmpty()) {
      throw new IllegalArgumentException("knob " + name + ": only a choice knob has options");
    }
    if (!(min <= max)) {
      throw new IllegalArgumentException(
          "knob " + name + ": bounds reversed, min " + min + " > max " + max);
    }
    if (scale == KnobScale.LOG && (type != KnobType.DOUBLE || !(min > 0))) {
      throw new IllegalArgumentException(
          "knob "
              + name
              + ": a log knob must be real with its range above 0, got ["
              + min
              + ", "
              + max
              + "]");
    }
    Optional<String> problem = check(name, type, value, min, max);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get() + " (its default)");
    }
  }

  /** A linear real knob without unit, role or options (the shape of the built-in knobs). */
  public Knob(
      String name, KnobType type, double value, double min, double max, String description) {
    this(name, type, value, min, max, description, KnobScale.LINEAR, null, null, List.of());
  }

  /** Starts describing a real knob. */
  public static Builder real(String name) {
    return new Builder(name, KnobType.DOUBLE);
  }

  /** Starts describing a whole-number knob. */
  public static Builder integer(String name) {
    return new Builder(name, KnobType.INT);
  }

  /** Starts describing an on/off knob (default off). */
  public static Builder bool(String name) {
    return new Builder(name, KnobType.BOOL).bounds(0, 1);
  }

  /** Starts describing a knob that is one of {@code options} (default the first). */
  public static Builder choice(String name, String... options) {
    Builder b = new Builder(name, KnobType.CHOICE);
    b.choices = List.of(options);
    return b.bounds(0, Math.max(0, options.length - 1));
  }

  /** Why {@code candidate} is not an acceptable value for this knob, or empty if it is. */
  public Optional<String> validate(double candidate) {
    return check(name, type, candidate, min, max);
  }

  /** Whether multiplying makes sense: a log knob. Not a JSON property: {@code scale} says it. */
  @JsonIgnore
  public boolean isLog() {
    return scale == KnobScale.LOG;
  }

  /** Whether this knob has the given role. */
  public boolean hasRole(String r) {
    return r != null && r.equals(role);
  }

  /** The index of a choice knob's option by name, or empty. */
  public Optional<Integer> choiceIndex(String option) {
    int i = choices.indexOf(option);
    return i < 0 ? Optional.empty() : Optional.of(i);
  }

  /** The same knob holding another value; the value must be valid. */
  public Knob withValue(double newValue) {
    return new Knob(name, type, newValue, min, max, description, scale, unit, role, choices);
  }

  /** The same knob with other bounds (a run's configuration narrows or widens them). */
  public Knob withBounds(double newMin, double newMax) {
    return new Knob(name, type, value, newMin, newMax, description, scale, unit, role, choices);
  }

  private static Optional<String> check(
      String name, KnobType type, double v, double min, double max) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Optional.of("knob '" + name + "' must be a finite number, got " + v);
    }
    if (type != KnobType.DOUBLE && v != Math.rint(v)) {
      return Optional.of(
          "knob '"
              + name
              + "' takes "
              + (type == KnobType.INT
                  ? "a whole number"
                  : type == KnobType.BOOL ? "true or false" : "one of its options")
              + ", got "
              + v);
    }
    if (v < min || v > max) {
      return Optional.of(
          "knob '" + name + "' = " + v + " is out of bounds [" + min + ", " + max + "]");
    }
    return Optional.empty();
  }

  /** Describes a knob step by step; {@link #build} checks the whole. */
  public static final class Builder {
    private final String name;
    private final KnobType type;
    private Double value;
    private double min = Double.NEGATIVE_INFINITY;
    private double max = Double.POSITIVE_INFINITY;
    private String description = "";
    private KnobScale scale = KnobScale.LINEAR;
    private String unit;
    private String role;
    private List<String> choices = List.of();

    private Builder(String name, KnobType type) {
      this.name = name;
      this.type = type;
    }

    /** Inclusive bounds (required for real and integer knobs). */
    public Builder bounds(double lo, double hi) {
      this.min = lo;
      this.max = hi;
      return this;
    }

    /** The starting value (default: the lower bound). */
    public Builder initial(double v) {
      this.value = v;
      return this;
    }

    /** On a log scale: the range must lie above 0. */
    public Builder log() {
      this.scale = KnobScale.LOG;
      return this;
    }

    public Builder unit(String u) {
      this.unit = u;
      return this;
    }

    /** A role policies know, e.g. {@link Knob#LEARNING_RATE}. */
    public Builder role(String r) {
      this.role = r == null ? null : r.toLowerCase(Locale.ROOT);
      return this;
    }

    public Builder describe(String text) {
      this.description = text;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the knob: missing or reversed bounds, a default
     *     outside them, a log range that includes 0
     */
    public Knob build() {
      if (Double.isInfinite(min) || Double.isInfinite(max)) {
        throw new IllegalArgumentException(
            "knob " + name + ": bounds are required (bounds(lo, hi))");
      }
      return new Knob(
          name,
          type,
          value == null ? min : value,
          min,
          max,
          description,
          scale,
          unit,
          role,
          choices);
    }
  }

  /** Leaves the default scale out of the JSON form, so a linear knob reads as it always did. */
  static final class LinearScale {
    @Override
    public boolean equals(Object o) {
      return o == null || o == KnobScale.LINEAR;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }
}
