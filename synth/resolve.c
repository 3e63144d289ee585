/* Resolution: picks an implementation for every device of a manifest on
 * one target (override by device name, then by kind, then the target's
 * default), adds the devices implementations depend on, rejects what
 * cannot be built, binds parameters and orders the graph for connecting
 * (dependencies first, manifest order otherwise). */
#include <string.h>

#include "synth/synth.h"

_Static_assert(sizeof(((struct target *)0)->defaults) / sizeof(struct word *) >= 8,
               "one default slot per device kind");

#define MAX_DEPTH 32

struct rs {
	struct arena *a;
	struct diag *d;
	struct manifest *m;
	struct catalogue *cat;
	struct target *t;
	struct override *ov;
	size_t nov;
	struct graph *g;
	struct rdevice *path[MAX_DEPTH + 1];
	int depth;
};

static void list_targets(struct catalogue *c, struct buf *b)
{
	for (size_t i = 0; i < c->targets.n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", ((struct target *)c->targets.v[i])->name);
	if (!c->targets.n)
		buf_puts(b, "none");
}

/* Implementations of kind, optionally only those offered on target. */
static void list_impls(struct catalogue *c, int kind, const char *target, struct buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < c->impls.n; i++) {
		struct impl *im = c->impls.v[i];
		if (im->kind != kind || (target && !impl_on_target(im, target)))
			continue;
		buf_printf(b, "%s%s", n++ ? ", " : "", im->name);
	}
	if (!n)
		buf_puts(b, "none");
}

static struct rdevice *find_device(struct graph *g, const char *name)
{
	for (size_t i = 0; i < g->devices.n; i++) {
		struct rdevice *r = g->devices.v[i];
		if (strcmp(r->name, name) == 0)
			return r;
	}
	return NULL;
}

/* Where to point an error about r: its manifest line, or that of the
 * manifest device whose dependency it is. */
static struct pos where(struct rdevice *r)
{
	while (!r->m && r->parent)
		r = r->parent;
	if (r->m)
		return r->m->pos;
	return (struct pos){ 0 };
}

static bool choose(struct rs *rs, struct rdevice *r)
{
	const char *kind = synth_kinds[r->kind].name;
	const char *name = NULL;
	struct override *by = NULL;
	for (size_t i = 0; i < rs->nov && !by; i++)
		if (strcmp(rs->ov[i].key, r->name) == 0)
			by = &rs->ov[i];
	for (size_t i = 0; i < rs->nov && !by; i++)
		if (strcmp(rs->ov[i].key, kind) == 0)
			by = &rs->ov[i];
	struct buf b = { 0 };
	if (by) {
		by->used = true;
		name = by->impl;
		r->chosen_by = arena_printf(rs->a, "--%s", by->key);
	} else if (rs->t->defaults[r->kind]) {
		name = rs->t->defaults[r->kind]->s;
		r->chosen_by = "default";
	} else {
		list_impls(rs->cat, r->kind, rs->t->name, &b);
		if (r->parent) {
			diag_error(rs->d, where(r),
			           "missing dependency: device '%s' (%s %s) needs a %s (device '%s'), but target '%s' has no default %s implementation (offered there: %s; choose one with --%s=IMPL or --%s=IMPL)",
			           r->parent->name, synth_kinds[r->parent->kind].name, r->parent->impl->name, kind, r->name,
			           rs->t->name, kind, buf_cstr(&b), r->name, kind);
		} else {
			diag_error(rs->d, where(r),
			           "no implementation chosen for %s device '%s': target '%s' has no default %s (offered there: %s; choose one with --%s=IMPL or --%s=IMPL)",
			           kind, r->name, rs->t->name, kind, buf_cstr(&b), r->name, kind);
		}
		buf_free(&b);
		return false;
	}
	struct impl *im = catalogue_impl(rs->cat, r->kind, name);
	if (!im) {
		list_impls(rs->cat, r->kind, NULL, &b);
		diag_error(rs->d, where(r), "unknown %s implementation '%s' for device '%s' (chosen by %s; %s implementations: %s)",
		           kind, name, r->name, r->chosen_by, kind, buf_cstr(&b));
		buf_free(&b);
		return false;
	}
	if (!impl_on_target(im, rs->t->name)) {
		list_impls(rs->cat, r->kind, rs->t->name, &b);
		diag_error(rs->d, where(r), "%s implementation '%s' for device '%s' (chosen by %s) is not offered on target '%s' (offered there: %s)",
		           kind, name, r->name, r->chosen_by, rs->t->name, buf_cstr(&b));
		buf_free(&b);
		return false;
	}
	r->impl = im;
	return true;
}

static struct rdevice *new_device(struct rs *rs, const char *name, int kind)
{
	struct rdevice *r = arena_alloc(rs->a, sizeof *r);
	r->name = arena_strdup(rs->a, name);
	r->kind = kind;
	vec_push(rs->a, &rs->g->devices, r);
	return r;
}

/* Depth-first: resolve r's dependencies, then append r to the connect
 * order. */
static bool visit(struct rs *rs, struct rdevice *r)
{
	if (r->done)
		return true;
	if (r->visiting) {
		struct buf b = { 0 };
		int i = 0;
		while (i < rs->depth && rs->path[i] != r)
			i++;
		for (; i < rs->depth; i++)
			buf_printf(&b, "%s (%s %s) -> ", rs->path[i]->name, synth_kinds[rs->path[i]->kind].name,
			           rs->path[i]->impl->name);
		buf_printf(&b, "%s", r->name);
		diag_error(rs->d, where(r), "dependency cycle: %s", buf_cstr(&b));
		buf_free(&b);
		return false;
	}
	if (rs->depth >= MAX_DEPTH) {
		diag_error(rs->d, where(r), "dependencies nested deeper than %d levels at device '%s'", MAX_DEPTH, r->name);
		return false;
	}
	r->visiting = true;
	rs->path[rs->depth++] = r;
	struct impl *im = r->impl;
	r->deps = arena_alloc(rs->a, (im->needs.n + 1) * sizeof *r->deps);
	bool ok = true;
	for (size_t j = 0; j < im->needs.n && ok; j++) {
		int k = im->needs_kind[j];
		char *dn = arena_printf(rs->a, "%s_%s", r->name, synth_kinds[k].name);
		struct rdevice *dep = find_device(rs->g, dn);
		if (dep && dep->kind != k) {
			diag_error(rs->d, dep->m ? dep->m->pos : where(r),
			           "device '%s' is a %s, but '%s' (%s %s) needs a %s under that name",
			           dn, synth_kinds[dep->kind].name, r->name, synth_kinds[r->kind].name, im->name,
			           synth_kinds[k].name);
			ok = false;
			break;
		}
		if (!dep) {
			dep = new_device(rs, dn, k);
			dep->parent = r;
			if (!choose(rs, dep)) {
				ok = false;
				break;
			}
			/* A new device with the same implementation as one it
			 * serves would expand forever: that is a cycle in the
			 * catalogue. */
			for (int i = 0; i < rs->depth; i++) {
				struct rdevice *up = rs->path[i];
				if (up->kind == dep->kind && up->impl == dep->impl) {
					struct buf b = { 0 };
					for (int q = i; q < rs->depth; q++)
						buf_printf(&b, "%s %s -> ", synth_kinds[rs->path[q]->kind].name,
						           rs->path[q]->impl->name);
					buf_printf(&b, "%s %s", synth_kinds[dep->kind].name, dep->impl->name);
					diag_error(rs->d, where(r), "dependency cycle: %s (device %s needs %s)", buf_cstr(&b),
					           r->name, dn);
					buf_free(&b);
					ok = false;
					break;
				}
			}
			if (!ok)
				break;
		}
		r->deps[j] = dep;
		ok = visit(rs, dep);
	}
	rs->depth--;
	r->visiting = false;
	if (!ok)
		return false;
	r->done = true;
	r->order = (int)rs->g->order.n;
	vec_push(rs->a, &rs->g->order, r);
	return true;
}

static const char *abs_value(struct rs *rs, struct param_decl *p, const char *value)
{
	if (p->type != PARAM_PATH || !rs->m->dir || value[0] == '/' || value[0] == 0)
		return value;
	return path_join_abs(rs->a, rs->m->dir, value);
}

static struct rparam *rparam(struct rs *rs, struct param_decl *p, const char *value, const char *dev)
{
	struct rparam *rp = arena_alloc(rs->a, sizeof *rp);
	rp->decl = p;
	rp->value = abs_value(rs, p, value);
	rp->runtime_name = dev ? arena_printf(rs->a, "%s-%s", dev, p->name) : p->name;
	return rp;
}

/* The set line that gives parameter name of device r: its own, or, for
 * a device synth added for a dependency (no manifest block), the nearest
 * one of the devices it serves (so `set dir = site` on a kv reaches the
 * fatimage block under it). *on names the device that carries it. */
static struct setting *find_set(struct rdevice *r, const char *name, struct rdevice **on)
{
	for (struct rdevice *u = r; u; u = u->m ? NULL : u->parent) {
		for (size_t k = 0; u->m && k < u->m->sets.n; k++) {
			struct setting *s = u->m->sets.v[k];
			if (strcmp(s->name, name) == 0) {
				*on = u;
				return s;
			}
		}
	}
	return NULL;
}

static void bind_params(struct rs *rs, struct rdevice *r)
{
	struct impl *im = r->impl;
	struct mdevice *md = r->m;
	for (size_t i = 0; i < im->params.n; i++) {
		struct param_decl *p = im->params.v[i];
		const char *value = p->def;
		struct rdevice *on = NULL;
		struct setting *s = find_set(r, p->name, &on);
		if (s) {
			if (on == r)
				s->used = true;
			const char *why = param_check(p->type, s->value);
			if (why) {
				diag_error(rs->d, s->value_pos, "invalid value '%s' for %s parameter '%s' of %s %s%s%s: %s",
				           s->value, param_type_name(p->type), p->name, synth_kinds[r->kind].name, im->name,
				           on == r ? "" : " (device ", on == r ? "" : arena_printf(rs->a, "%s, which %s needs)", r->name, on->name), why);
			}
			value = s->value;
		}
		struct rparam *rp = rparam(rs, p, value, r->name);
		rp->from_set = s != NULL;
		rp->set_on = s && on != r ? on->name : NULL;
		vec_push(rs->a, &r->iparams, rp);
	}
	if (!md)
		return;
	for (size_t k = 0; k < md->sets.n; k++) {
		struct setting *s = md->sets.v[k];
		if (s->used)
			continue;
		/* Another implementation of the kind may take it: fine. */
		bool known = false;
		struct buf names = { 0 };
		for (size_t i = 0; i < rs->cat->impls.n; i++) {
			struct impl *o = rs->cat->impls.v[i];
			if (o->kind != r->kind)
				continue;
			for (size_t j = 0; j < o->params.n; j++) {
				struct param_decl *p = o->params.v[j];
				if (strcmp(p->name, s->name) == 0)
					known = true;
				buf_printf(&names, "%s%s (%s)", names.len ? ", " : "", p->name, o->name);
			}
		}
		if (!known)
			diag_error(rs->d, s->pos, "no %s implementation has a parameter '%s' (parameters of %s implementations: %s)",
			           synth_kinds[r->kind].name, s->name, synth_kinds[r->kind].name,
			           names.len ? buf_cstr(&names) : "none");
		buf_free(&names);
	}
	for (size_t i = 0; i < md->params.n; i++) {
		struct param_decl *p = md->params.v[i];
		if (param_find(&im->params, p->name)) {
			diag_error(rs->d, p->pos, "parameter '%s' of device '%s' clashes with the parameter of the same name of %s %s (use 'set %s = VALUE' to give it a value)",
			           p->name, r->name, synth_kinds[r->kind].name, im->name, p->name);
			continue;
		}
		vec_push(rs->a, &r->mparams, rparam(rs, p, p->def, r->name));
	}
}

/* Every run-time option name must be unique. Errors point into the
 * manifest: at a parameter it declares, or at the device that brought an
 * implementation's parameter in. */
static void check_runtime_names(struct rs *rs)
{
	struct item {
		struct rparam *p;
		const char *owner;
		struct pos at;
	};
	struct graph *g = rs->g;
	size_t n = g->aparams.n;
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		n += r->iparams.n + r->mparams.n;
	}
	struct item *all = arena_alloc(rs->a, (n + 1) * sizeof *all);
	size_t k = 0;
	for (size_t i = 0; i < g->aparams.n; i++) {
		struct rparam *p = g->aparams.v[i];
		all[k++] = (struct item){ p, "the app", p->decl->pos };
	}
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		for (size_t j = 0; j < r->iparams.n; j++)
			all[k++] = (struct item){ r->iparams.v[j], r->name, where(r) };
		for (size_t j = 0; j < r->mparams.n; j++) {
			struct rparam *p = r->mparams.v[j];
			all[k++] = (struct item){ p, r->name, p->decl->pos };
		}
	}
	for (size_t i = 0; i < k; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(all[i].p->runtime_name, all[j].p->runtime_name) != 0)
				continue;
			diag_error(rs->d, all[i].at, "parameter '%s' of %s and parameter '%s' of %s share the command-line option --%s",
			           all[j].p->decl->name, all[j].owner, all[i].p->decl->name, all[i].owner,
			           all[i].p->runtime_name);
			break;
		}
	}
}

static void check_symbols(struct rs *rs)
{
	struct graph *g = rs->g;
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		for (size_t j = 0; j < g->order.n; j++) {
			struct rdevice *o = g->order.v[j];
			if (strcmp(r->name, o->impl->symbol) == 0) {
				diag_error(rs->d, where(r), "device name '%s' is the symbol prefix of %s %s; the generated code would clash: rename the device",
				           r->name, synth_kinds[o->kind].name, o->impl->name);
				break;
			}
		}
	}
}

struct graph *resolve(struct arena *a, struct diag *d, struct manifest *m, struct catalogue *cat,
                      const char *target, struct override *ov, size_t nov)
{
	unsigned before = d->errors;
	struct rs rs = { .a = a, .d = d, .m = m, .cat = cat, .ov = ov, .nov = nov };
	struct buf b = { 0 };
	rs.t = catalogue_target(cat, target);
	if (!rs.t) {
		list_targets(cat, &b);
		diag_plain(d, "unknown target '%s' (targets: %s)", target, buf_cstr(&b));
		buf_free(&b);
		return NULL;
	}
	if (m->targets.n) {
		bool allowed = false;
		for (size_t i = 0; i < m->targets.n; i++) {
			struct word *w = m->targets.v[i];
			if (!catalogue_target(cat, w->s)) {
				list_targets(cat, &b);
				diag_error(d, w->pos, "unknown target '%s' (targets: %s)", w->s, buf_cstr(&b));
				buf_free(&b);
			}
			if (strcmp(w->s, target) == 0)
				allowed = true;
		}
		if (!allowed) {
			struct word *w0 = m->targets.v[0];
			for (size_t i = 0; i < m->targets.n; i++)
				buf_printf(&b, "%s%s", i ? ", " : "", ((struct word *)m->targets.v[i])->s);
			diag_error(d, w0->pos, "app '%s' does not allow target '%s' (its 'targets' line allows: %s)", m->name,
			           target, buf_cstr(&b));
			buf_free(&b);
		}
		if (d->errors != before)
			return NULL;
	}
	for (size_t i = 0; i < nov; i++) {
		int k = kind_lookup(ov[i].key, strlen(ov[i].key));
		bool is_dev = false;
		for (size_t j = 0; j < m->devices.n; j++)
			if (strcmp(((struct mdevice *)m->devices.v[j])->name, ov[i].key) == 0)
				is_dev = true;
		if (k >= 0 && !is_dev && !catalogue_impl(cat, k, ov[i].impl)) {
			list_impls(cat, k, NULL, &b);
			diag_plain(d, "unknown %s implementation '%s' in --%s=%s (%s implementations: %s)", ov[i].key, ov[i].impl,
			           ov[i].key, ov[i].impl, ov[i].key, buf_cstr(&b));
			buf_free(&b);
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(ov[j].key, ov[i].key) == 0)
				diag_plain(d, "--%s is given twice", ov[i].key);
	}
	if (d->errors != before)
		return NULL;

	struct graph *g = arena_alloc(a, sizeof *g);
	g->m = m;
	g->cat = cat;
	g->target = rs.t;
	rs.g = g;
	for (size_t i = 0; i < m->devices.n; i++) {
		struct mdevice *md = m->devices.v[i];
		struct rdevice *r = new_device(&rs, md->name, md->kind);
		r->m = md;
		choose(&rs, r);
	}
	if (d->errors != before)
		return NULL;
	for (size_t i = 0; i < m->devices.n; i++) {
		if (!visit(&rs, g->devices.v[i]))
			break;
	}
	if (d->errors != before)
		return NULL;
	for (size_t i = 0; i < nov; i++) {
		if (ov[i].used || kind_lookup(ov[i].key, strlen(ov[i].key)) >= 0)
			continue;
		struct buf names = { 0 };
		for (size_t j = 0; j < g->devices.n; j++)
			buf_printf(&names, "%s%s", j ? ", " : "", ((struct rdevice *)g->devices.v[j])->name);
		struct buf kinds = { 0 };
		kind_list(&kinds);
		diag_plain(d, "--%s=%s names neither a device of app '%s' (devices: %s) nor a device kind (%s)", ov[i].key,
		           ov[i].impl, m->name, names.len ? buf_cstr(&names) : "none", buf_cstr(&kinds));
		buf_free(&names);
		buf_free(&kinds);
	}
	for (size_t i = 0; i < m->params.n; i++)
		vec_push(a, &g->aparams, rparam(&rs, m->params.v[i], ((struct param_decl *)m->params.v[i])->def, NULL));
	for (size_t i = 0; i < g->order.n; i++)
		bind_params(&rs, g->order.v[i]);
	check_runtime_names(&rs);
	check_symbols(&rs);
	return d->errors == before ? g : NULL;
}
