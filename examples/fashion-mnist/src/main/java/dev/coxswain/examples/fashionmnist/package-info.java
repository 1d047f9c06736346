/** Your own model under the console: a Fashion-MNIST CNN as a workload. */
package dev.coxswain.examples.fashionmnist;
