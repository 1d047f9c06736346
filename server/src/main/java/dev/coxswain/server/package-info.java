/** The runnable product: the server that hosts runs and the console, and its command line. */
package dev.coxswain.server;
