package dev.quilt.domain;

/** The processes a monitor wrote down as soon as it had cloned the init. */
public record RecordedPids(ProcessRef monitor, ProcessRef init) {}
