/** The event-bus addresses, the typed messages on them, and the signature every command carries. */
package dev.coxswain.server.bus;
