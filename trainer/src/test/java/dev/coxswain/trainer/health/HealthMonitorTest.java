package dev.coxswain.trainer.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HealthMonitorTest {
  @Test
  void flagsALossAboveFactorTimesTheWindowMean() {
    HealthMonitor h = new HealthMonitor(2.0, 100);
    for (int i = 0; i < 20; i++) {
      assertTrue(h.observe(1.0).isEmpty());
    }
    assertTrue(h.observe(1.9).isEmpty(), "1.9 < 2 x 1.0");
    HealthMonitor.Spike s = h.observe(2.5).orElseThrow();
    assertEquals(2.5, s.loss());
    assertTrue(s.ratio() > 2);
  }

  @Test
  void needsSomeHistoryAndForgetsOnReset() {
    HealthMonitor h = new HealthMonitor(2.0, 100);
    assertTrue(h.observe(1.0).isEmpty());
    assertTrue(h.observe(50.0).isEmpty(), "too little history to judge");
    h.reset();
    for (int i = 0; i < 10; i++) {
      h.observe(4.0);
    }
    assertTrue(h.observe(7.0).isEmpty());
    assertTrue(h.observe(9.0).isPresent());
  }

  @Test
  void theWindowSlides() {
    HealthMonitor h = new HealthMonitor(2.0, 10);
    for (int i = 0; i < 10; i++) {
      h.observe(10.0);
    }
    for (int i = 0; i < 10; i++) {
      h.observe(1.0); // the old, high losses leave the window
    }
    assertTrue(h.observe(3.0).isPresent());
  }

  @Test
  void refusesNonsenseSettings() {
    assertThrows(IllegalArgumentException.class, () -> new HealthMonitor(1.0, 100));
    assertThrows(IllegalArgumentException.class, () -> new HealthMonitor(2.0, 1));
  }
}
