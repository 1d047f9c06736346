/** Prometheus metrics of runs and agents ({@code GET /metrics}). */
package dev.coxswain.server.metrics;
