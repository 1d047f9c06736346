/**
 * The case studies' runner and its verb: LR recovery (LrRecovery*) and data update (DataUpdate*).
 */
package dev.coxswain.experiment;
