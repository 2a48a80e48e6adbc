/** Byte Buddy interception of {@code @Op} methods: calls from sequential code are recorded instead of run. */
package org.bind.intercept;
