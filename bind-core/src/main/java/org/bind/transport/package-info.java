/**
 * The transport SPI: ordered, reliable byte frames between ranks, and the wire format every transport shares
 * (header, length caps, validation).
 */
package org.bind.transport;
