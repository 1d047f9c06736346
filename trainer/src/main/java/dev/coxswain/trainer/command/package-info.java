/** The trainer's command handlers, one per action type. */
package dev.coxswain.trainer.command;
