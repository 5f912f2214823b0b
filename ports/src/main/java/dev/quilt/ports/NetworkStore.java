package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.Network;

import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A state root's network and the addresses handed out on it. Leases are
 * taken under one lock for the root, so concurrent commands (and later the
 * server) never hand out one address twice.
 */
public interface NetworkStore {
    /** The network this root was given, if it was given one. */
    Optional<Network> defined();

    /** Records the root's network, replacing what was there. */
    void define(Network network);

    /** Forgets the root's network; leases must be gone first. */
    void undefine();

    /**
     * Hands {@code id} the lowest free address of {@code network}, or the one it
     * already holds. Throws {@link dev.quilt.domain.AddressPool#exhausted} when none is free.
     */
    Ipv4Address lease(Network network, ContainerId id);

    /** Gives back whatever {@code id} holds; nothing held is not an error. */
    void release(ContainerId id);

    /** Every address handed out, and to whom. */
    Map<Ipv4Address, ContainerId> leases();

    /** Under the lock: releases every lease whose holder {@code known} does not know. Returns how many. */
    int reconcile(Predicate<ContainerId> known);
}
