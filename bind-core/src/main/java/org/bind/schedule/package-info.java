/** Work-stealing execution of ready ops and the bounded submission window. */
package org.bind.schedule;
