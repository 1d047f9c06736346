/** Notifications to a URL when a run finishes, fails, stalls or raises a health event. */
package dev.coxswain.server.notify;
