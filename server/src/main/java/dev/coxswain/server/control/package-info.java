/** The control plane: runs' replicas, their lifecycle, and the agent's way in. */
package dev.coxswain.server.control;
