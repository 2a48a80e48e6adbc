/** The programming model's API: {@link org.bind.Bind}, the {@code @Op} annotations and the versioned types. */
package org.bind;
