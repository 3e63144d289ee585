/* fattool's commands. Every file command works on either side, the
 * image's FAT volume or the host folder, through the same fs interface,
 * so copying in, copying out and copying within one side are one loop
 * with a large buffer (--buffer). format and info reach the FAT library
 * and the raw block device directly. */
#include <string.h>

#include "fattool.h"
#include "lib/fmt.h"
#include "lib/param.h"
#include "lib/platform.h"

#define TOOL_DEPTH_MAX 64

/* ---- small helpers ---- */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD HH:MM:SS" (UTC) for a wall-clock time, "-" without one. */
static void show_time(int64_t ns, char out[24])
{
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (ns <= 0) {
		out[0] = '-';
		out[1] = 0;
		return;
	}
	int64_t s = ns / 1000000000, days = s / 86400, rem = s % 86400;
	int y = 1970, m = 0;
	while (days >= (leap(y) ? 366 : 365) && y < 9999)
		days -= leap(y++) ? 366 : 365;
	while (m < 11 && days >= mdays[m] + (m == 1 && leap(y)))
		days -= mdays[m] + (m == 1 && leap(y)), m++;
	fmt_snprintf(out, 24, "%04d-%02d-%02d %02d:%02d:%02d", y, m + 1, (int)days + 1, (int)(rem / 3600),
	             (int)(rem / 60 % 60), (int)(rem % 60));
}

/* The last component of a cleaned path ("" for the root). */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* dir + "/" + name into out (the root is ""). */
static int join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	if (dl + 1 + nl + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out, dir, dl);
	size_t o = dl;
	if (dl > 0)
		out[o++] = '/';
	memcpy(out + o, name, nl + 1);
	return 0;
}

/* The names of a folder, read before anything changes it. */
struct entries {
	char **names;
	struct fs_stat *st;
	size_t n, cap;
	int err;
};

static int collect(void *arg, const char *name, const struct fs_stat *st)
{
	struct entries *e = arg;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char **nn = plat_realloc(e->names, cap * sizeof *nn);
		if (nn)
			e->names = nn;
		struct fs_stat *ns = nn ? plat_realloc(e->st, cap * sizeof *ns) : NULL;
		if (!nn || !ns) {
			e->err = -ENOMEM;
			return 1;
		}
		e->st = ns;
		e->cap = cap;
	}
	size_t len = strlen(name);
	char *copy = plat_alloc(len + 1);
	if (!copy) {
		e->err = -ENOMEM;
		return 1;
	}
	memcpy(copy, name, len + 1);
	e->names[e->n] = copy;
	e->st[e->n] = *st;
	e->n++;
	return 0;
}

static void entries_free(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++)
		plat_free(e->names[i]);
	plat_free(e->names);
	plat_free(e->st);
	memset(e, 0, sizeof *e);
}

static int list_dir(struct fs *fs, const char *path, struct entries *e)
{
	memset(e, 0, sizeof *e);
	int rc = fs_list(fs, path, collect, e);
	if (e->err < 0)
		rc = e->err;
	if (rc < 0)
		entries_free(e);
	return rc < 0 ? rc : 0;
}

/* Shown name of a path inside a side: "host:x/y" or "/x/y". */
static void shown_path(const struct where *w, const char *path, char *out, size_t cap)
{
	fmt_snprintf(out, cap, "%s/%s", w->host ? "host:" : "", path);
}

/* ---- ls ---- */

static void ls_line(struct tool *t, bool l, const char *name, const struct fs_stat *st)
{
	if (l) {
		char tm[24];
		show_time(st->mtime_ns, tm);
		tool_say(t, "%c %12llu  %s  %s%s\n", st->is_dir ? 'd' : '-', (unsigned long long)st->size, tm, name,
		         st->is_dir ? "/" : "");
	} else {
		tool_say(t, "%s%s\n", name, st->is_dir ? "/" : "");
	}
}

static int ls_dir(struct tool *t, struct cmdline *c, struct where *w, const char *path, bool header, int depth)
{
	char shown[TOOL_PATH_MAX + 8];
	struct entries e;
	bool l = c->flag['l'] || strcmp(c->name, "dir") == 0;
	shown_path(w, path, shown, sizeof shown);
	if (depth > TOOL_DEPTH_MAX)
		return tool_fail(t, c->name, shown, -ELOOP);
	int rc = list_dir(w->fs, path, &e);
	if (rc < 0)
		return tool_fail(t, c->name, shown, rc);
	if (header)
		tool_say(t, "%s:\n", shown);
	uint64_t bytes = 0;
	for (size_t i = 0; i < e.n; i++) {
		ls_line(t, l, e.names[i], &e.st[i]);
		bytes += e.st[i].size;
	}
	if (l)
		tool_say(t, "%zu entries, %llu bytes\n", e.n, (unsigned long long)bytes);
	int status = 0;
	for (size_t i = 0; c->flag['R'] && i < e.n && status == 0; i++) {
		if (!e.st[i].is_dir)
			continue;
		char sub[TOOL_PATH_MAX];
		if ((rc = join(sub, sizeof sub, path, e.names[i])) < 0) {
			status = tool_fail(t, c->name, shown, rc);
			break;
		}
		tool_say(t, "\n");
		status = ls_dir(t, c, w, sub, true, depth + 1);
	}
	entries_free(&e);
	return status;
}

int cmd_ls(struct tool *t, struct cmdline *c)
{
	const char *none[1] = { "/" };
	const char **args = c->nargs ? c->args : none;
	int n = c->nargs ? c->nargs : 1;
	for (int i = 0; i < n; i++) {
		struct where w;
		struct fs_stat st;
		if (tool_where(t, c->name, args[i], &w) < 0)
			return 1;
		int rc = fs_stat(w.fs, w.path, &st);
		if (rc < 0)
			return tool_fail(t, c->name, w.shown, rc);
		if (!st.is_dir) {
			ls_line(t, c->flag['l'] || strcmp(c->name, "dir") == 0, w.shown, &st);
			continue;
		}
		if (i > 0)
			tool_say(t, "\n");
		rc = ls_dir(t, c, &w, w.path, n > 1 || c->flag['R'], 0);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- cat, write ---- */

int cmd_cat(struct tool *t, struct cmdline *c)
{
	for (int i = 0; i < c->nargs; i++) {
		struct where w;
		struct fs_file *f;
		if (tool_where(t, c->name, c->args[i], &w) < 0)
			return 1;
		int rc = fs_open(w.fs, w.path, FS_READ, &f);
		if (rc < 0)
			return tool_fail(t, c->name, w.shown, rc);
		long n;
		while ((n = fs_read(w.fs, f, t->buf, t->bufsize)) > 0) {
			long out = console_write(t->devs->console, (const char *)t->buf, (size_t)n);
			if (out < 0) {
				n = out;
				break;
			}
		}
		fs_close(w.fs, f);
		if (n < 0)
			return tool_fail(t, c->name, w.shown, (int)n);
	}
	return 0;
}

int cmd_write(struct tool *t, struct cmdline *c)
{
	struct where w;
	struct fs_file *f;
	if (tool_where(t, c->name, c->args[0], &w) < 0)
		return 1;
	uint32_t flags = FS_WRITE | FS_CREATE | (c->flag['a'] ? FS_APPEND : FS_TRUNCATE);
	int rc = fs_open(w.fs, w.path, flags, &f);
	if (rc < 0)
		return tool_fail(t, c->name, w.shown, rc);
	size_t len = strlen(c->args[1]);
	long n = fs_write(w.fs, f, c->args[1], len);
	rc = fs_close(w.fs, f);
	if (n >= 0 && (size_t)n != len)
		n = -ENOSPC;
	if (n < 0)
		return tool_fail(t, c->name, w.shown, (int)n);
	return rc < 0 ? tool_fail(t, c->name, w.shown, rc) : 0;
}

/* ---- cp ---- */

static int copy_file(struct tool *t, const char *cmd, struct where *from, const char *fpath, struct where *to,
                     const char *tpath)
{
	char shown[TOOL_PATH_MAX + 8];
	struct fs_file *in, *out;
	int rc = fs_open(from->fs, fpath, FS_READ, &in);
	if (rc < 0) {
		shown_path(from, fpath, shown, sizeof shown);
		return tool_fail(t, cmd, shown, rc);
	}
	rc = fs_open(to->fs, tpath, FS_WRITE | FS_CREATE | FS_TRUNCATE, &out);
	if (rc < 0) {
		fs_close(from->fs, in);
		shown_path(to, tpath, shown, sizeof shown);
		return tool_fail(t, cmd, shown, rc);
	}
	long n;
	bool reading = true;
	while ((n = fs_read(from->fs, in, t->buf, t->bufsize)) > 0) {
		long w = fs_write(to->fs, out, t->buf, (size_t)n);
		if (w != n) {
			n = w < 0 ? w : -ENOSPC;
			reading = false;
			break;
		}
	}
	fs_close(from->fs, in);
	rc = fs_close(to->fs, out);
	if (n < 0) {
		shown_path(reading ? from : to, reading ? fpath : tpath, shown, sizeof shown);
		return tool_fail(t, cmd, shown, (int)n);
	}
	if (rc < 0) {
		shown_path(to, tpath, shown, sizeof shown);
		return tool_fail(t, cmd, shown, rc);
	}
	return 0;
}

static int copy_tree(struct tool *t, const char *cmd, struct where *from, const char *fpath, bool is_dir,
                     struct where *to, const char *tpath, int depth)
{
	char shown[TOOL_PATH_MAX + 8];
	if (!is_dir)
		return copy_file(t, cmd, from, fpath, to, tpath);
	shown_path(from, fpath, shown, sizeof shown);
	if (depth > TOOL_DEPTH_MAX)
		return tool_fail(t, cmd, shown, -ELOOP);
	int rc = fs_mkdir(to->fs, tpath);
	struct fs_stat st;
	if (rc == -EEXIST && fs_stat(to->fs, tpath, &st) == 0 && st.is_dir)
		rc = 0;
	if (rc < 0) {
		shown_path(to, tpath, shown, sizeof shown);
		return tool_fail(t, cmd, shown, rc);
	}
	struct entries e;
	if ((rc = list_dir(from->fs, fpath, &e)) < 0)
		return tool_fail(t, cmd, shown, rc);
	int status = 0;
	for (size_t i = 0; i < e.n && status == 0; i++) {
		char fsub[TOOL_PATH_MAX], tsub[TOOL_PATH_MAX];
		if ((rc = join(fsub, sizeof fsub, fpath, e.names[i])) < 0 ||
		    (rc = join(tsub, sizeof tsub, tpath, e.names[i])) < 0)
			status = tool_fail(t, cmd, shown, rc);
		else
			status = copy_tree(t, cmd, from, fsub, e.st[i].is_dir, to, tsub, depth + 1);
	}
	entries_free(&e);
	return status;
}

/* Whether path b is a or lies beneath it (cleaned paths). */
static bool beneath(const char *a, const char *b)
{
	size_t n = strlen(a);
	return n == 0 || (strncmp(a, b, n) == 0 && (b[n] == 0 || b[n] == '/'));
}

int cmd_cp(struct tool *t, struct cmdline *c)
{
	struct where to;
	struct fs_stat dst;
	const char *last = c->args[c->nargs - 1];
	if (tool_where(t, c->name, last, &to) < 0)
		return 1;
	int rc = fs_stat(to.fs, to.path, &dst);
	bool into = rc == 0 && dst.is_dir;
	size_t ll = strlen(last);
	if (!into && (c->nargs > 2 || (ll > 0 && last[ll - 1] == '/')))
		return tool_fail(t, c->name, last, rc == 0 ? -ENOTDIR : rc);
	for (int i = 0; i < c->nargs - 1; i++) {
		struct where from;
		struct fs_stat st;
		if (tool_where(t, c->name, c->args[i], &from) < 0)
			return 1;
		if ((rc = fs_stat(from.fs, from.path, &st)) < 0)
			return tool_fail(t, c->name, from.shown, rc);
		if (st.is_dir && !c->flag['r']) {
			tool_say(t, "fattool: %s: %s is a folder (copy folders with cp -r)\n", c->name, from.shown);
			return 1;
		}
		char tpath[TOOL_PATH_MAX];
		/* A root has no name: its contents go into DEST. */
		if (into && from.path[0] != 0) {
			if ((rc = join(tpath, sizeof tpath, to.path, base_name(from.path))) < 0)
				return tool_fail(t, c->name, last, rc);
		} else {
			memcpy(tpath, to.path, strlen(to.path) + 1);
		}
		if (st.is_dir && from.fs == to.fs && beneath(from.path, tpath)) {
			tool_say(t, "fattool: %s: cannot copy %s into itself\n", c->name, from.shown);
			return 1;
		}
		if ((rc = copy_tree(t, c->name, &from, from.path, st.is_dir, &to, tpath, 0)) != 0)
			return rc;
	}
	return 0;
}

/* ---- mkdir, rm, rmdir, mv ---- */

int cmd_mkdir(struct tool *t, struct cmdline *c)
{
	for (int i = 0; i < c->nargs; i++) {
		struct where w;
		if (tool_where(t, c->name, c->args[i], &w) < 0)
			return 1;
		if (!c->flag['p']) {
			int rc = fs_mkdir(w.fs, w.path);
			if (rc < 0)
				return tool_fail(t, c->name, w.shown, rc);
			continue;
		}
		/* Every prefix that ends a component, shortest first. */
		size_t n = strlen(w.path);
		for (size_t k = 1; k <= n; k++) {
			if (k < n && w.path[k] != '/')
				continue;
			char save = w.path[k];
			w.path[k] = 0;
			struct fs_stat st;
			int rc = fs_stat(w.fs, w.path, &st);
			if (rc == -ENOENT)
				rc = fs_mkdir(w.fs, w.path);
			else if (rc == 0 && !st.is_dir)
				rc = -ENOTDIR;
			w.path[k] = save;
			if (rc < 0)
				return tool_fail(t, c->name, w.shown, rc);
		}
	}
	return 0;
}

static int remove_tree(struct tool *t, const char *cmd, struct where *w, const char *path, int depth)
{
	char shown[TOOL_PATH_MAX + 8];
	struct entries e;
	shown_path(w, path, shown, sizeof shown);
	if (depth > TOOL_DEPTH_MAX)
		return tool_fail(t, cmd, shown, -ELOOP);
	int rc = list_dir(w->fs, path, &e);
	if (rc < 0)
		return tool_fail(t, cmd, shown, rc);
	int status = 0;
	for (size_t i = 0; i < e.n && status == 0; i++) {
		char sub[TOOL_PATH_MAX];
		if ((rc = join(sub, sizeof sub, path, e.names[i])) < 0) {
			status = tool_fail(t, cmd, shown, rc);
		} else if (e.st[i].is_dir) {
			status = remove_tree(t, cmd, w, sub, depth + 1);
		} else if ((rc = fs_unlink(w->fs, sub)) < 0) {
			shown_path(w, sub, shown, sizeof shown);
			status = tool_fail(t, cmd, shown, rc);
		}
	}
	entries_free(&e);
	if (status == 0 && (rc = fs_rmdir(w->fs, path)) < 0)
		status = tool_fail(t, cmd, shown, rc);
	return status;
}

static bool is_root(const char *path)
{
	for (; *path; path++)
		if (*path != '/')
			return false;
	return true;
}

int cmd_rm(struct tool *t, struct cmdline *c)
{
	for (int i = 0; i < c->nargs; i++) {
		struct where w;
		struct fs_stat st;
		if (tool_where(t, c->name, c->args[i], &w) < 0)
			return 1;
		int rc = fs_stat(w.fs, w.path, &st);
		if (rc == -ENOENT && c->flag['f'])
			continue;
		if (rc < 0)
			return tool_fail(t, c->name, w.shown, rc);
		if (st.is_dir && is_root(w.path)) {
			tool_say(t, "fattool: %s: will not remove the root folder (format makes a volume empty)\n", c->name);
			return 1;
		}
		if (st.is_dir && !c->flag['r']) {
			tool_say(t, "fattool: %s: %s is a folder (remove it with rmdir, or rm -r with what it holds)\n",
			         c->name, w.shown);
			return 1;
		}
		rc = st.is_dir ? remove_tree(t, c->name, &w, w.path, 0) : fs_unlink(w.fs, w.path);
		if (rc < 0)
			return tool_fail(t, c->name, w.shown, rc);
		if (rc > 0)
			return rc;
	}
	return 0;
}

int cmd_rmdir(struct tool *t, struct cmdline *c)
{
	for (int i = 0; i < c->nargs; i++) {
		struct where w;
		if (tool_where(t, c->name, c->args[i], &w) < 0)
			return 1;
		int rc = fs_rmdir(w.fs, w.path);
		if (rc < 0)
			return tool_fail(t, c->name, w.shown, rc);
	}
	return 0;
}

int cmd_mv(struct tool *t, struct cmdline *c)
{
	struct where from, to;
	struct fs_stat st;
	if (tool_where(t, c->name, c->args[0], &from) < 0 || tool_where(t, c->name, c->args[1], &to) < 0)
		return 1;
	if (from.fs != to.fs) {
		tool_say(t, "fattool: %s: %s and %s are not on the same side (copy with cp, then remove with rm)\n",
		         c->name, from.shown, to.shown);
		return 1;
	}
	char tpath[TOOL_PATH_MAX];
	memcpy(tpath, to.path, strlen(to.path) + 1);
	if (fs_stat(to.fs, to.path, &st) == 0 && st.is_dir) {
		int rc = join(tpath, sizeof tpath, to.path, base_name(from.path));
		if (rc < 0)
			return tool_fail(t, c->name, to.shown, rc);
	}
	int rc = fs_rename(from.fs, from.path, tpath);
	return rc < 0 ? tool_fail(t, c->name, from.shown, rc) : 0;
}

int cmd_stat(struct tool *t, struct cmdline *c)
{
	for (int i = 0; i < c->nargs; i++) {
		struct where w;
		struct fs_stat st;
		char mt[24], ct[24];
		if (tool_where(t, c->name, c->args[i], &w) < 0)
			return 1;
		int rc = fs_stat(w.fs, w.path, &st);
		if (rc < 0)
			return tool_fail(t, c->name, w.shown, rc);
		show_time(st.mtime_ns, mt);
		show_time(st.ctime_ns, ct);
		tool_say(t, "%s: %s, %llu bytes, modified %s, created %s%s\n", w.shown, st.is_dir ? "folder" : "file",
		         (unsigned long long)st.size, mt, ct, st.read_only ? ", read-only" : "");
	}
	return 0;
}

/* ---- format, info ---- */

static int64_t wall(void *arg)
{
	return clock_wall_ns(arg);
}

static int number(struct tool *t, struct cmdline *c, char opt, uint32_t *out)
{
	const char *why = NULL;
	const char *v = c->value[(unsigned char)opt];
	if (!v)
		return 0;
	if (param_parse(PARAM_U32, v, strlen(v), out, &why) < 0) {
		tool_say(t, "fattool: %s: -%c %s: %s\n", c->name, opt, v, why ? why : "not a number");
		return 2;
	}
	return 0;
}

static void say_volume(struct tool *t, const char *what)
{
	struct fat_volume_info vi;
	if (fat_volume_info(&t->fat_state.vol, &vi) < 0)
		return;
	tool_say(t, "%s: FAT%d, %llu bytes in %u clusters of %u bytes, %llu bytes free, label %s\n", what, (int)vi.type,
	         (unsigned long long)vi.clusters * vi.cluster_size, vi.clusters, vi.cluster_size,
	         (unsigned long long)vi.free_clusters * vi.cluster_size, vi.label[0] ? vi.label : "(none)");
}

int cmd_format(struct tool *t, struct cmdline *c)
{
	uint32_t type = 0, spc = 0, root = 0, fats = 0;
	int rc;
	if ((rc = number(t, c, 'F', &type)) || (rc = number(t, c, 's', &spc)) || (rc = number(t, c, 'r', &root)) ||
	    (rc = number(t, c, 'f', &fats)))
		return rc;
	if (type != 0 && type != 12 && type != 16 && type != 32) {
		tool_say(t, "fattool: %s: -F %u: the FAT type is 12, 16 or 32\n", c->name, type);
		return 2;
	}
	if (fats > 4) {
		tool_say(t, "fattool: %s: -f %u: at most 4 FAT copies\n", c->name, fats);
		return 2;
	}
	if (tool_unmount(t) != 0)
		return 1;
	struct fat_format_opts o = {
		.type = (enum fat_type)type,
		.sectors_per_cluster = spc,
		.root_entries = root,
		.num_fats = (uint8_t)fats,
		.label = c->value['n'],
		.clock = wall,
		.clock_arg = t->devs->clock,
	};
	rc = fat_format(t->devs->image, &o);
	if (rc == -EINVAL) {
		tool_say(t, "fattool: %s: no FAT%s volume with these options fits the image (%llu bytes): check -F, -s, -r, -f and the label\n",
		         c->name, type ? (type == 12 ? "12" : type == 16 ? "16" : "32") : "",
		         (unsigned long long)(t->devs->image->info.sectors * t->devs->image->info.sector_size));
		return 1;
	}
	if (rc < 0)
		return tool_fail(t, c->name, "the image", rc);
	if (tool_mount(t, c->name) < 0)
		return 1;
	say_volume(t, "formatted");
	return 0;
}

int cmd_info(struct tool *t, struct cmdline *c)
{
	if (tool_mount(t, c->name) < 0)
		return 1;
	struct fat_volume_info vi;
	int rc = fat_volume_info(&t->fat_state.vol, &vi);
	if (rc < 0)
		return tool_fail(t, c->name, "the image", rc);
	const struct block_info *bi = &t->devs->image->info;
	tool_say(t, "image:         %llu bytes (%llu sectors of %u bytes)%s\n",
	         (unsigned long long)(bi->sectors * bi->sector_size), (unsigned long long)bi->sectors, bi->sector_size,
	         bi->read_only ? ", read-only" : "");
	tool_say(t, "type:          FAT%d\n", (int)vi.type);
	tool_say(t, "sector size:   %u bytes\n", vi.sector_size);
	tool_say(t, "cluster size:  %u bytes (%u sectors)\n", vi.cluster_size, vi.cluster_size / vi.sector_size);
	tool_say(t, "clusters:      %u (%llu bytes)\n", vi.clusters, (unsigned long long)vi.clusters * vi.cluster_size);
	tool_say(t, "free:          %u clusters (%llu bytes)\n", vi.free_clusters,
	         (unsigned long long)vi.free_clusters * vi.cluster_size);
	tool_say(t, "label:         %s\n", vi.label[0] ? vi.label : "(none)");
	tool_say(t, "volume id:     %04X-%04X\n", vi.serial >> 16, vi.serial & 0xFFFF);
	tool_say(t, "state:         %s\n",
	         vi.was_dirty ? "not cleanly unmounted (check it with fsck.fat)" : "clean");
	return 0;
}
