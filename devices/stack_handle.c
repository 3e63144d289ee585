/* The handle lifecycle the stack implementations share; the rules are in
 * devices/stack_handle.h. */
#include <errno.h>
#include <stddef.h>

#include "devices/stack_handle.h"

void stack_handle_set_init(struct stack_handle_set *set, void (*free_fn)(void *arg, struct stack_handle *h),
                           void *arg)
{
	set->live = NULL;
	set->down = false;
	set->free_fn = free_fn;
	set->arg = arg;
}

void stack_handle_open(struct stack_handle_set *set, struct stack_handle *h)
{
	h->set = set;
	h->busy = 0;
	h->released = false;
	h->prev = NULL;
	h->next = set->live;
	if (set->live)
		set->live->prev = h;
	set->live = h;
}

void stack_handle_close(struct stack_handle *h)
{
	struct stack_handle_set *set = h->set;

	if (h->prev)
		h->prev->next = h->next;
	else
		set->live = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
	if (h->busy)
		h->released = true;
	else
		set->free_fn(set->arg, h);
}

int stack_handle_wait_begin(struct stack_handle *h)
{
	if (h->set->down)
		return -ENETDOWN;
	h->busy++;
	return 0;
}

int stack_handle_wait_end(struct stack_handle *h, int rc)
{
	struct stack_handle_set *set = h->set;

	h->busy--;
	if (h->released) {
		if (h->busy == 0)
			set->free_fn(set->arg, h);
		return -ECANCELED;
	}
	return set->down ? -ECANCELED : rc;
}
