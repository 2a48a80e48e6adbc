/** Whole-program and JMH benchmarks of the runtime, each next to the baseline a user would otherwise pick. */
package org.bind.bench;
