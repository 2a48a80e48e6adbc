/** Runnable samples: sequential programs whose {@code @Op} calls Bind runs in parallel on every core and across ranks. */
package org.bind.examples;
