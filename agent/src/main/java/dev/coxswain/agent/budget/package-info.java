/** The agent's token and dollar budget. */
package dev.coxswain.agent.budget;
