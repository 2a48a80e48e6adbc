/** The Aeron transport: UDP publications between ranks, heartbeats, authenticated start-up handshake. */
package org.bind.mpi.aeron;
