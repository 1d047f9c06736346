/** The morning report of a run, read from its directory, in HTML and Markdown. */
package dev.coxswain.report;
