/**
 * The agent: the supervisor that reads a run's events, summarizes windows and decides, without
 * Vert.x.
 */
package dev.coxswain.agent;
