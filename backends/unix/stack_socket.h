/* stack "socket": TCP and UDP over the Linux kernel's own TCP/IP, through
 * non-blocking sockets registered with the platform's epoll. A call that
 * would block parks only the calling fiber. */
#ifndef SYNTH_BACKENDS_UNIX_STACK_SOCKET_H
#define SYNTH_BACKENDS_UNIX_STACK_SOCKET_H

#include "devices/stack.h"
#include "devices/stack_handle.h"

struct stack_socket_handle;

struct stack_socket {
	struct stack_handle_set handles;   /* open listeners, flows, UDP sockets; .down once disconnected */
	struct stack_socket_handle *spare; /* freed handles kept for reuse */
	unsigned nspare;
};

struct stack_socket_config {
	int unused;
};

int stack_socket_connect(struct stack *dev, struct stack_socket *state,
                         const struct stack_socket_config *cfg);

/* Closes every socket still open (listeners, flows, UDP): fibers waiting
 * on one wake with -ECANCELED; the handles stay valid until the app
 * closes them, and later calls on them fail with -ENETDOWN, as do new
 * listen/connect/bind calls. */
void stack_socket_disconnect(struct stack_socket *state);

#endif
