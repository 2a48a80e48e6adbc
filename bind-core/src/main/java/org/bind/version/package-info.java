/** Versions of versioned objects (renaming), their buffers, and the per-worker buffer pools that recycle them. */
package org.bind.version;
