package dev.quilt.linux.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.time.Instant;

/** exit.json, written by quilt-monitor when the init exits. */
@JsonIgnoreProperties(ignoreUnknown = true)
record ExitFile(int exitCode, int signal, Instant exitedAt) {}
