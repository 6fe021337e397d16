/**
 * Operating the server from outside the loop: the HTTP admin endpoint ({@code /metrics} in the
 * Prometheus text format, {@code /healthz}, {@code /readyz}) and the {@code stat} reader of the
 * counters file. Everything here reads counters (an Agrona {@code CountersReader}), histograms
 * handed over by interval swap, and volatile flags; nothing calls into the loop thread or makes it
 * wait. Layer: after {@code loop}, before {@code cli}.
 */
package dev.ztna.server.admin;
