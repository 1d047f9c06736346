/** The agent's settings for a served run (from the command line and run.json). */
package dev.coxswain.server.agent;
