/* The tools of the netif wrapper layer (devices/netif.h, n->hooks): pcap
 * capture and seeded fault injection, for any netif implementation.
 *
 * An implementation offers them by declaring two catalogue parameters,
 *   param pcap: string = "" "write every frame in and out to this pcap file"
 *   param fault: string = "" "fault injection, e.g. loss:5,dup:1,reorder:10,delay:20ms,seed:42"
 * embedding a struct netif_hooks in its state, and calling
 * netif_hooks_attach at the end of its connect (with a sink its platform
 * opened for the pcap path) and netif_hooks_detach first thing in its
 * disconnect. synth knows nothing about them: they are ordinary device
 * parameters (--net_netif-pcap=FILE, --net_netif-fault=SPEC).
 *
 * Where the tools sit: capture is taken on the stack's side of the fault
 * injector, so the file shows the frames the stack really received (after
 * loss, duplication, reordering and delay) and every frame it sent (before
 * they are lost or delayed). */
#ifndef SYNTH_DEVICES_NETIF_HOOKS_H
#define SYNTH_DEVICES_NETIF_HOOKS_H

#include <stdbool.h>

#include "devices/netif.h"
#include "devices/netif_fault.h"
#include "devices/netif_pcap.h"

struct netif_hooks {
	struct netif *n;
	bool pcap_on, fault_on;
	struct netif_pcap pcap;
	struct netif_fault fault;
};

/* Attach the tools to n (whose ops and state are set): fault_spec as
 * netif_fault_parse reads it (NULL or "" for none; without a seed one is
 * drawn from entropy and logged, so the run can be replayed), pcap_sink
 * for capture (NULL for none; closed by detach, or here on failure).
 * Logs what it enabled. Returns 0 or a negative errno (-EINVAL for a bad
 * spec, whose reason is logged). */
int netif_hooks_attach(struct netif *n, struct netif_hooks *h, const char *fault_spec,
                       const struct netif_sink *pcap_sink);

/* Stop injecting (frames still held are dropped), flush and close the
 * capture, log the counters, and detach from n. Safe to call when attach
 * failed or never ran, and twice. */
void netif_hooks_detach(struct netif *n, struct netif_hooks *h);

#endif
