/** The command line: serve, server, train, resume, report, experiment and the benchmarks. */
package dev.coxswain.server.cli;
