/** The server and cluster benchmarks. */
package dev.coxswain.server.bench;
