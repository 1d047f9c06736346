/** Watching a run's goal: progress from evaluations, and the early stop it allows. */
package dev.coxswain.agent.goal;
