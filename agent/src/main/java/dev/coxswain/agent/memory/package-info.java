/** What the agent remembers of its earlier decisions and their outcomes, for its prompt. */
package dev.coxswain.agent.memory;
