/* `synth describe`: the resolved device graph as text for people and as
 * Graphviz (--dot) for pictures. */
#include <string.h>

#include "synth/synth.h"

static void param_line(struct buf *out, struct rparam *rp, const char *indent)
{
	struct param_decl *p = rp->decl;
	buf_printf(out, "%s--%s=%s  (%s%s%s%s%s) %s\n", indent, rp->runtime_name, rp->value, param_type_name(p->type),
	           p->fixed ? ", fixed" : "", rp->from_set ? ", set by the manifest" : "",
	           rp->set_on ? " for " : "", rp->set_on ? rp->set_on : "", p->help);
}

void describe_text(struct graph *g, struct buf *out)
{
	struct manifest *m = g->m;
	struct target *t = g->target;
	buf_printf(out, "app %s on target %s\n", m->name, t->name);
	if (m->summary)
		buf_printf(out, "  summary:  %s\n", m->summary);
	buf_printf(out, "  manifest: %s\n", m->path);
	buf_printf(out, "  target:   %s%s%s (backend %s, runtime library %s)\n", t->name, t->summary ? ": " : "",
	           t->summary ? t->summary : "", t->backend ? t->backend : "-", t->runtime);
	buf_printf(out, "  entry:    %s\n", m->entry);
	buf_puts(out, "  sources: ");
	for (size_t i = 0; i < m->sources.n; i++)
		buf_printf(out, " %s", ((struct word *)m->sources.v[i])->s);
	buf_puts(out, "\n\ndevices, in connect order:\n");
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		buf_printf(out, "  %zu. %s: %s %s", i + 1, r->name, synth_kinds[r->kind].name, r->impl->name);
		if (strcmp(r->chosen_by, "default") == 0)
			buf_puts(out, " (target default)");
		else
			buf_printf(out, " (chosen by %s)", r->chosen_by);
		if (!r->m)
			buf_printf(out, ", needed by %s", r->parent->name);
		buf_putc(out, '\n');
		if (r->impl->summary)
			buf_printf(out, "       %s\n", r->impl->summary);
		if (r->impl->layers.n) {
			buf_puts(out, "       layers:");
			for (size_t j = 0; j < r->impl->layers.n; j++)
				buf_printf(out, " %s ->", ((struct word *)r->impl->layers.v[j])->s);
			for (size_t j = 0; j < r->impl->needs.n; j++)
				buf_printf(out, "%s %s", j ? "," : "", r->deps[j]->name);
			if (!r->impl->needs.n)
				buf_puts(out, " (the platform)");
			buf_putc(out, '\n');
		}
		if (r->impl->needs.n) {
			buf_puts(out, "       needs:");
			for (size_t j = 0; j < r->impl->needs.n; j++)
				buf_printf(out, " %s (%s %s)", r->deps[j]->name, synth_kinds[r->deps[j]->kind].name,
				           r->deps[j]->impl->name);
			buf_putc(out, '\n');
		}
		if (r->impl->gen)
			buf_printf(out, "       generated at build time: %s from --%s-%s\n", r->impl->gen, r->name,
			           r->impl->gen_param);
		for (size_t j = 0; j < r->iparams.n; j++)
			param_line(out, r->iparams.v[j], "       ");
		for (size_t j = 0; j < r->mparams.n; j++)
			param_line(out, r->mparams.v[j], "       ");
	}
	if (!g->order.n)
		buf_puts(out, "  (none)\n");
	if (g->aparams.n) {
		buf_puts(out, "\nparameters of the app:\n");
		for (size_t i = 0; i < g->aparams.n; i++)
			param_line(out, g->aparams.v[i], "  ");
	}
}

static void dot_str(struct buf *out, const char *s)
{
	buf_putc(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(out, '\\');
		if (*s == '\n') {
			buf_puts(out, "\\n");
			continue;
		}
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

void describe_dot(struct graph *g, struct buf *out)
{
	struct arena a = { 0 };
	buf_puts(out, "digraph ");
	dot_str(out, g->m->name);
	buf_puts(out, " {\n\trankdir=LR;\n\tlabel=");
	dot_str(out, arena_printf(&a, "%s on %s", g->m->name, g->target->name));
	buf_puts(out, ";\n\tnode [shape=box, fontname=\"Helvetica\"];\n");
	buf_puts(out, "\t\"@app\" [shape=ellipse, label=");
	dot_str(out, arena_printf(&a, "%s\n%s()", g->m->name, g->m->entry));
	buf_puts(out, "];\n");
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		buf_putc(out, '\t');
		dot_str(out, r->name);
		buf_puts(out, " [label=");
		dot_str(out, arena_printf(&a, "%s\n%s %s", r->name, synth_kinds[r->kind].name, r->impl->name));
		if (!r->m)
			buf_puts(out, ", style=dashed");
		buf_puts(out, "];\n");
	}
	for (size_t i = 0; i < g->m->devices.n; i++) {
		buf_puts(out, "\t\"@app\" -> ");
		dot_str(out, ((struct mdevice *)g->m->devices.v[i])->name);
		buf_puts(out, ";\n");
	}
	/* An implementation made of protocol layers shows them as a chain
	 * from its device node down to the devices it needs. */
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		size_t nl = r->impl->layers.n;
		if (!nl)
			continue;
		buf_puts(out, "\tsubgraph ");
		dot_str(out, arena_printf(&a, "cluster_%s", r->name));
		buf_puts(out, " {\n\t\tlabel=");
		dot_str(out, arena_printf(&a, "%s %s", synth_kinds[r->kind].name, r->impl->name));
		buf_puts(out, ";\n\t\tstyle=rounded;\n");
		for (size_t j = 0; j < nl; j++) {
			buf_puts(out, "\t\t");
			dot_str(out, arena_printf(&a, "%s@%zu", r->name, j));
			buf_puts(out, " [shape=plain, label=");
			dot_str(out, ((struct word *)r->impl->layers.v[j])->s);
			buf_puts(out, "];\n");
		}
		buf_puts(out, "\t}\n\t");
		dot_str(out, r->name);
		for (size_t j = 0; j < nl; j++) {
			buf_puts(out, " -> ");
			dot_str(out, arena_printf(&a, "%s@%zu", r->name, j));
		}
		buf_puts(out, ";\n");
	}
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		const char *from = r->impl->layers.n ? arena_printf(&a, "%s@%zu", r->name, r->impl->layers.n - 1) : r->name;
		for (size_t j = 0; j < r->impl->needs.n; j++) {
			buf_putc(out, '\t');
			dot_str(out, from);
			buf_puts(out, " -> ");
			dot_str(out, r->deps[j]->name);
			buf_puts(out, ";\n");
		}
	}
	buf_puts(out, "}\n");
	arena_free(&a);
}
