package dev.coxswain.trainer;

/** Where the run is: its branch and its last finished step; read from any thread. */
final class RunPosition {
  private volatile String branch = "main";
  private volatile long step;

  String branch() {
    return branch;
  }

  long step() {
    return step;
  }

  void setBranch(String value) {
    branch = value;
  }

  void setStep(long value) {
    step = value;
  }
}
