/** A run's YAML configuration. */
package dev.coxswain.server.config;
