/** The HTTP API, the event stream and the console's routes, with their access rules. */
package dev.coxswain.server.api;
