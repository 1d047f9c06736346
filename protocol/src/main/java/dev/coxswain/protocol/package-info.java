/**
 * The shared language of trainer, agent and server: commands and their typed actions, results,
 * knobs, goals, events and their one JSON form.
 */
package dev.coxswain.protocol;
