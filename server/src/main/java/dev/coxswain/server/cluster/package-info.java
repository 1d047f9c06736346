/** The private Hazelcast cluster: no multicast, credentials, member watch. */
package dev.coxswain.server.cluster;
