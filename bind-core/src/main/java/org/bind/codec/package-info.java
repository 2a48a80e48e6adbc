/** Explicit binary codecs for values that cross ranks or are replicated: no Java serialization anywhere. */
package org.bind.codec;
