/** The task DAG: ops recorded from sequential code, their version dependencies, and how they complete or fail. */
package org.bind.dag;
