/* stack_handle: the life of a listener, flow or UDP handle, shared by the
 * implementations of the stack device (backends/unix/stack_socket.c,
 * protocols/net/stack_tcpip.c). In both, fibers park on a handle that the
 * app may close, or the device disconnect, while they wait. When such a
 * handle may be freed, and what its fibers then see, is decided here once,
 * so that every stack frees safely and gives apps the answers
 * devices/stack.h promises.
 *
 * The rules:
 * - Only these functions free a handle (through the set's free_fn), and
 *   exactly once: at stack_handle_close when no fiber is parked on it,
 *   else when the last parked fiber leaves stack_handle_wait_end.
 * - A fiber parks between stack_handle_wait_begin and _wait_end. Begin
 *   refuses with -ENETDOWN once the set is down. End returns -ECANCELED
 *   when the app closed the handle, or the device was disconnected, while
 *   the fiber waited; otherwise what the wait returned (0, or -ETIMEDOUT
 *   at the deadline). After -ECANCELED the handle may be gone: return.
 * - Waking parked fibers is the implementation's part, since it knows what
 *   they wait on: at close, and at disconnect, when it sets down and then,
 *   for every handle on the live list, cuts it off from what lies beneath
 *   and wakes its fibers. Handles stay valid until the app closes them. */
#ifndef SYNTH_DEVICES_STACK_HANDLE_H
#define SYNTH_DEVICES_STACK_HANDLE_H

#include <stdbool.h>

struct stack_handle;

/* Every handle of one stack instance. */
struct stack_handle_set {
	struct stack_handle *live; /* open handles, for disconnect to walk */
	bool down;                 /* disconnected: no new handles, calls fail with -ENETDOWN */
	void (*free_fn)(void *arg, struct stack_handle *h);
	void *arg;
};

/* The first member of each implementation's handle, so that its free_fn
 * can cast back. */
struct stack_handle {
	struct stack_handle_set *set;
	struct stack_handle *next, *prev; /* in set->live while open */
	unsigned busy;                    /* fibers parked on it */
	bool released;                    /* closed while fibers were parked */
};

void stack_handle_set_init(struct stack_handle_set *set, void (*free_fn)(void *arg, struct stack_handle *h),
                           void *arg);

/* h (fresh or recycled memory) is open and on set->live. */
void stack_handle_open(struct stack_handle_set *set, struct stack_handle *h);

/* The app is done with h: off the live list, and freed now or by the last
 * parked fiber. Wake those fibers before this call (they run only once
 * the caller yields); never touch h after it. */
void stack_handle_close(struct stack_handle *h);

/* 0: the fiber may wait on h now; -ENETDOWN: the device is gone. */
int stack_handle_wait_begin(struct stack_handle *h);

/* The fiber's wait returned rc: rc, or -ECANCELED (see above). */
int stack_handle_wait_end(struct stack_handle *h, int rc);

#endif
