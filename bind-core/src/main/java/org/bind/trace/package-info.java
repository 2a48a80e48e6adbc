/** Chrome/Perfetto trace files: one track per worker, one slice per op. */
package org.bind.trace;
