/**
 * The reference Interactive Training protocol (envelopes, commands, events) on top of Coxswain's.
 */
package dev.coxswain.server.compat;
