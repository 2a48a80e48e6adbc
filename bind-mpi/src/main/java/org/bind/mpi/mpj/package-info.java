/**
 * MPJ Express (Debian's libmpj-java 0.44): joins a job started by {@code mpjrun} or MPJ's {@code starter.jar}
 * (multicore or niodev device) and moves Bind's frames point to point as MPJ byte messages.
 */
package org.bind.mpi.mpj;
