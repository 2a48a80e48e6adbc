/**
 * One rank's runtime: the task DAG recorded from sequential code over versions, how its ops complete or fail, and
 * the rank's part in the job (transfers, the collective sync, the job's health).
 */
package org.bind.dag;
