/** Ranks as threads of one JVM: frames are copied into the destination's queue. For tests and one-host runs. */
package org.bind.transport.inproc;
