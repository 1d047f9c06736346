/**
 * The server and cluster benchmarks; in the jar because {@code bench}, {@code bench-server} and
 * {@code bench-all} run them on a user's own machine.
 */
package dev.coxswain.server.bench;
