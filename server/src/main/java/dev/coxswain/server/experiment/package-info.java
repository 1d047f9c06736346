/** The experiment runner for the case studies (arms, seeds, schedules, the report of a study). */
package dev.coxswain.server.experiment;
