/** Test support: stack dumps on timeouts, deadlines, child JVMs and worker-thread checks. */
package org.bind.testing;
