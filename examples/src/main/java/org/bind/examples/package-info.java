/** Runnable samples: sequential programs whose {@code @Op} calls Bind runs in parallel. */
package org.bind.examples;
