/* The container's address goes back when its init exits, whether or not any
 * quilt command runs after: FsNetworkStore's lease symlink
 * <network dir>/leases/<ip> -> <container id> is removed under the same fcntl
 * lock (<network dir>/lock), and only while it still names this container. */
#ifndef QUILT_MONITOR_LEASE_H
#define QUILT_MONITOR_LEASE_H

/* `address` is the container's "10.42.0.5/16". 0 (also when the lease is
 * gone or names another container), -ETIMEDOUT when the lock was not ours
 * within `deadline_s` seconds, or -errno. */
int lease_release(const char *network_dir, const char *address, const char *id, unsigned deadline_s);

#endif
