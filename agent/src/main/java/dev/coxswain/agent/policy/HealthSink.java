package dev.coxswain.agent.policy;

/** Where a decorator reports a change a person should see ({@code health} events). */
@FunctionalInterface
public interface HealthSink {
  void health(String kind, String message);
}
