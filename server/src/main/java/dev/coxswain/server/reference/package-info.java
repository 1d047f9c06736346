/**
 * The reference Interactive Training protocol beside Coxswain's: its HTTP routes and WebSocket
 * (ReferenceRoutes), envelopes, commands and events, translated to and from ours.
 */
package dev.coxswain.server.reference;
