/** The morning report of a run, in HTML and Markdown. */
package dev.coxswain.server.report;
