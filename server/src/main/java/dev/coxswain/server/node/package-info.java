/** A run on the event bus: a trainer hosted by a server, or joined to a cluster's control plane. */
package dev.coxswain.server.node;
