/* One message of quilt/proto.h over a SOCK_SEQPACKET socket: one datagram, or,
 * past QUILT_MSG_INLINE_MAX, a sealed memfd passed beside a datagram holding
 * one QUILT_T_BODY record (a socket's send buffer, about 208 KiB by default,
 * refuses larger datagrams with EMSGSIZE). */
#ifndef QUILT_MESSAGE_H
#define QUILT_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Sends len bytes of records, inline or as a body.  Returns 0 or -errno
 * (-EMSGSIZE past QUILT_BODY_MAX). */
int message_send(int fd, const void *buf, size_t len);

/* Receives one message, inline or as a body, into a buffer it allocates
 * (*msg; free() it).  Returns its length, 0 at end of file, or -errno:
 * -EMSGSIZE for a datagram cut short, -EBADMSG for a body that is not the
 * sealed, regular memfd of the size its datagram names. */
ssize_t message_receive(int fd, uint8_t **msg);

#endif
