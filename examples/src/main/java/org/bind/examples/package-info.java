/** Runnable samples: small sequential programs whose {@code @Op} calls Bind runs in parallel across ranks. */
package org.bind.examples;
