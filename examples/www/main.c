/* www: a static website server. It listens on the stack device, serves
 * the files of the kv device over HTTP/1.1 (see server.c), and keeps at
 * most max-connections connections open: beyond that, new ones wait in
 * the stack's backlog until one ends. */
#include "lib/log.h"
#include "www.h"

LOG_SOURCE_EXTERN(http);

/* The in-memory files whose headers are kept ready (ramdisk). */
#define WWW_CACHE_FILES 4096u

static struct www www;

int www_main(struct app_devices *devs, const struct app_params *params)
{
	struct www *w = &www;
	struct ip_endpoint local = { .addr = params->net.addr, .port = params->net.port };
	struct stack_listener *l;
	uint32_t a = local.addr.v;

	w->console = devs->console;
	w->clock = devs->clock;
	w->net = devs->net;
	w->kv = devs->content;
	w->idle_ns = params->idle_timeout ? params->idle_timeout : 1;
	w->max_conns = params->max_connections ? params->max_connections : 1;
	w->date_s = -1;
	cond_init(&w->slot);
	www_refresh_date(w);
	if (www_cache_init(w, WWW_CACHE_FILES) < 0) {
		console_printf(w->console, "www: out of memory\n");
		return 1;
	}

	int rc = stack_tcp_listen(w->net, &local, 1024, &l);
	if (rc < 0) {
		console_printf(w->console, "www: cannot listen on %u.%u.%u.%u:%u: error %d\n", a >> 24,
		               a >> 16 & 255, a >> 8 & 255, a & 255, (unsigned)local.port, rc);
		return 1;
	}
	log_info(http, "www: listening on http://%u.%u.%u.%u:%u/ (content from %s, up to %u connections)",
	         a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, (unsigned)local.port, w->kv->ops->name,
	         (unsigned)w->max_conns);
	console_printf(w->console, "www: listening on http://%u.%u.%u.%u:%u/\n", a >> 24, a >> 16 & 255,
	               a >> 8 & 255, a & 255, (unsigned)local.port);
	console_flush(w->console);

	for (;;) {
		while (w->active >= w->max_conns)
			cond_wait(&w->slot, SCHED_FOREVER);
		struct stack_flow *flow;
		rc = stack_tcp_accept(w->net, l, &flow, NULL, SCHED_FOREVER);
		if (rc == -ECANCELED || rc == -ENETDOWN)
			break; /* the stack is going down: the program is stopping */
		if (rc < 0) {
			/* Out of descriptors or memory, say: back off a little
			 * rather than spin, and let connections end. */
			log_warn(http, "accept failed: error %d", rc);
			fiber_sleep_ns(10 * 1000 * 1000);
			continue;
		}
		www_conn_start(w, flow);
	}
	stack_tcp_listener_close(w->net, l);
	return 0;
}
