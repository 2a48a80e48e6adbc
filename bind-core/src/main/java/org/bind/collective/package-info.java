/** Where versions live across ranks, and the binary trees that move them to their readers. */
package org.bind.collective;
