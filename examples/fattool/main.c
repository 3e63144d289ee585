/* fattool: an mtools-like tool for FAT images, as a synth app. Apps get
 * typed options, not an argv, so the commands come in one string option,
 * --cmd: commands separated by ';', words split at blanks, with '...'
 * and "..." quoting and '\' escaping the next character (as a shell
 * would), e.g. --cmd="mkdir /DOCS; cp host:'my notes.txt' /DOCS/". The
 * commands run in order; the first that fails stops the rest, and the
 * exit status is 0 when all succeeded, 1 when one failed, 2 for a command
 * line that makes no sense. */
#include <stdarg.h>
#include <string.h>

#include "fattool.h"
#include "lib/errname.h"
#include "lib/fmt.h"
#include "lib/platform.h"

static const struct command {
	const char *name;
	int (*fn)(struct tool *, struct cmdline *);
	const char *flags;   /* letters of flags without a value */
	const char *valued;  /* letters of options that take one */
	int min, max;        /* operands; max -1: any number */
	const char *usage;
	const char *help;
} commands[] = {
	{ "ls", cmd_ls, "lR", "", 0, -1, "ls [-l] [-R] [PATH...]",
	  "list folders (sorted by name; -l: sizes and times, -R: every folder below)" },
	{ "dir", cmd_ls, "R", "", 0, -1, "dir [PATH...]", "the same as ls -l" },
	{ "cat", cmd_cat, "", "", 1, -1, "cat PATH...", "write files to the console" },
	{ "type", cmd_cat, "", "", 1, -1, "type PATH...", "the same as cat" },
	{ "write", cmd_write, "a", "", 2, 2, "write [-a] PATH TEXT",
	  "make a file hold TEXT (-a: add it at the end)" },
	{ "cp", cmd_cp, "r", "", 2, -1, "cp [-r] SOURCE... DEST",
	  "copy files (-r: folders too), between the image and the host either way or within one; into DEST when it is a folder" },
	{ "copy", cmd_cp, "r", "", 2, -1, "copy [-r] SOURCE... DEST", "the same as cp" },
	{ "mkdir", cmd_mkdir, "p", "", 1, -1, "mkdir [-p] PATH...", "make folders (-p: with missing parents, no error if present)" },
	{ "md", cmd_mkdir, "p", "", 1, -1, "md [-p] PATH...", "the same as mkdir" },
	{ "rm", cmd_rm, "rf", "", 1, -1, "rm [-r] [-f] PATH...",
	  "remove files (-r: folders with everything in them; -f: no error for a missing one)" },
	{ "del", cmd_rm, "rf", "", 1, -1, "del PATH...", "the same as rm" },
	{ "rmdir", cmd_rmdir, "", "", 1, -1, "rmdir PATH...", "remove empty folders" },
	{ "rd", cmd_rmdir, "", "", 1, -1, "rd PATH...", "the same as rmdir" },
	{ "mv", cmd_mv, "", "", 2, 2, "mv FROM TO", "move or rename a file or folder on one side (into TO when it is a folder)" },
	{ "ren", cmd_mv, "", "", 2, 2, "ren FROM TO", "the same as mv" },
	{ "stat", cmd_stat, "", "", 1, -1, "stat PATH...", "show an entry's kind, size and times" },
	{ "format", cmd_format, "", "Fnsrf", 0, 0, "format [-F 12|16|32] [-n LABEL] [-s SECTORS] [-r ENTRIES] [-f FATS]",
	  "make a new, empty volume on the whole image (options as mkfs.fat: type, label, sectors per cluster, root entries, FAT copies; by default as mkfs.fat would choose)" },
	{ "mkfs", cmd_format, "", "Fnsrf", 0, 0, "mkfs [-F 12|16|32] ...", "the same as format" },
	{ "info", cmd_info, "", "", 0, 0, "info", "show the volume: type, geometry, free space, label, id, state" },
	{ "help", NULL, "", "", 0, 1, "help [COMMAND]", "this list" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

int tool_say(struct tool *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	long n = console_vprintf(t->devs->console, fmt, ap);
	va_end(ap);
	return n < 0 ? (int)n : 0;
}

int tool_fail(struct tool *t, const char *what, const char *shown, int err)
{
	const char *name = err_name(err);
	tool_say(t, "fattool: %s: %s%s%s (%s)\n", what, shown ? shown : "", shown ? ": " : "", err_text(err),
	         name ? name : "?");
	return 1;
}

int tool_mount(struct tool *t, const char *cmd)
{
	if (t->mounted)
		return 0;
	struct fs_fat_config cfg = { 0 };
	memset(&t->fat, 0, sizeof t->fat);
	t->fat.name = "image";
	int rc = fs_fat_connect(&t->fat, &t->fat_state, &cfg, t->devs->image, t->devs->clock);
	if (rc == -EUCLEAN) {
		tool_say(t, "fattool: %s: the image holds no FAT volume that can be read (make one with format)\n", cmd);
		return rc;
	}
	if (rc < 0) {
		tool_fail(t, cmd, "mounting the image", rc);
		return rc;
	}
	t->mounted = true;
	return 0;
}

int tool_unmount(struct tool *t)
{
	if (!t->mounted)
		return 0;
	/* Everything on the disk, and the volume marked clean. */
	int rc = fs_sync(&t->fat, NULL);
	fs_fat_disconnect(&t->fat_state);
	t->mounted = false;
	return rc < 0 ? tool_fail(t, "writing the volume out", NULL, rc) : 0;
}

static bool prefixed(const char *s, const char *p, const char **rest)
{
	size_t n = strlen(p);
	if (strncmp(s, p, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

int tool_where(struct tool *t, const char *cmd, const char *arg, struct where *w)
{
	const char *rest = arg;
	memset(w, 0, sizeof *w);
	w->shown = arg;
	if (prefixed(arg, "host:", &rest)) {
		w->host = true;
		w->fs = t->devs->host;
	} else {
		if (!prefixed(arg, "fat:", &rest) && !prefixed(arg, "::", &rest))
			rest = arg;
		int rc = tool_mount(t, cmd);
		if (rc < 0)
			return rc;
		w->fs = &t->fat;
	}
	/* Cleaned: no leading, trailing or doubled '/' ("" is the root). */
	size_t n = 0;
	for (const char *s = rest; *s; s++) {
		if (*s == '/' && (n == 0 || w->path[n - 1] == '/'))
			continue;
		if (n + 1 >= sizeof w->path) {
			tool_fail(t, cmd, arg, -ENAMETOOLONG);
			return -ENAMETOOLONG;
		}
		w->path[n++] = *s;
	}
	if (n > 0 && w->path[n - 1] == '/')
		n--;
	w->path[n] = 0;
	return 0;
}

/* ---- the command text ---- */

/* Split the next command off *p (a writable copy of --cmd) into words,
 * in place. Returns the word count (0 for an empty command), -1 for an
 * unclosed quote or -2 for too many words; *p moves past the ';'. */
static int split(char **p, const char **words, int max)
{
	char *s = *p, *o = s;
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == 0 || *s == ';') {
			*p = *s ? s + 1 : s;
			return n;
		}
		if (n == max)
			return -2;
		char *start = o;
		char quote = 0;
		while (*s && (quote || (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != ';'))) {
			if (quote && *s == quote) {
				quote = 0;
				s++;
			} else if (!quote && (*s == '\'' || *s == '"')) {
				quote = *s++;
			} else if (*s == '\\' && quote != '\'' && s[1]) {
				*o++ = s[1];
				s += 2;
			} else {
				*o++ = *s++;
			}
		}
		if (quote)
			return -1;
		bool end = *s == 0 || *s == ';';
		char sep = *s;
		if (!end)
			s++;
		/* o never passes s, so the word's terminator overwrites nothing
		 * still to be read, except a ';' or the end, handled here. */
		*o++ = 0;
		words[n++] = start;
		if (end) {
			*p = sep ? s + 1 : s;
			return n;
		}
	}
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void help(struct tool *t, const char *only)
{
	if (!only) {
		tool_say(t, "fattool: what mtools does, on a FAT12/16/32 image.\n\n"
		            "usage: fattool --image-path=IMAGE [--image-size=SIZE] [--host-dir=DIR] --cmd=\"COMMAND [; COMMAND]...\"\n\n"
		            "A path on the image is written /FOLDER/FILE (or fat:/FOLDER/FILE, or ::/FOLDER/FILE as mtools does);\n"
		            "a path on the host starts with host: and is taken from --host-dir (by default the working folder).\n"
		            "Words split at blanks; quote names with blanks ('...' or \"...\"); ';' separates commands.\n"
		            "--image-size=SIZE creates a missing image of that size (for format). fattool --help lists the options.\n\n"
		            "commands:\n");
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];
		if (only && strcmp(only, c->name) != 0)
			continue;
		tool_say(t, "  %s\n      %s\n", c->usage, c->help);
	}
	if (!only)
		tool_say(t, "\nThe commands run in order and the first that fails stops the rest; the exit status is 0 when\n"
		            "all succeeded, 1 when one failed, 2 for a command fattool does not understand.\n");
}

/* Options of one command: flags and valued options before the operands
 * ("--" ends them). */
static int parse(struct tool *t, const struct command *cmd, const char **words, int n, struct cmdline *c)
{
	memset(c, 0, sizeof *c);
	c->name = words[0];
	int i = 1;
	for (; i < n; i++) {
		const char *w = words[i];
		if (w[0] != '-' || w[1] == 0)
			break;
		if (strcmp(w, "--") == 0) {
			i++;
			break;
		}
		for (const char *f = w + 1; *f; f++) {
			unsigned char l = (unsigned char)*f;
			if (l < 128 && strchr(cmd->flags, l)) {
				c->flag[l] = true;
			} else if (l < 128 && strchr(cmd->valued, l)) {
				if (f[1]) {
					c->value[l] = f + 1;
				} else if (i + 1 < n) {
					c->value[l] = words[++i];
				} else {
					tool_say(t, "fattool: %s: option -%c needs a value (usage: %s)\n", c->name, l, cmd->usage);
					return 2;
				}
				break;
			} else {
				tool_say(t, "fattool: %s: unknown option -%c (usage: %s)\n", c->name, *f, cmd->usage);
				return 2;
			}
		}
	}
	for (; i < n; i++)
		c->args[c->nargs++] = words[i];
	if (c->nargs < cmd->min || (cmd->max >= 0 && c->nargs > cmd->max)) {
		tool_say(t, "fattool: %s: %s operands (usage: %s)\n", c->name, c->nargs < cmd->min ? "missing" : "too many",
		         cmd->usage);
		return 2;
	}
	return 0;
}

static int run(struct tool *t, char *text)
{
	const char *words[TOOL_MAX_ARGS + 1];
	char *p = text;
	while (*p) {
		int n = split(&p, words, TOOL_MAX_ARGS + 1);
		if (n == -1) {
			tool_say(t, "fattool: a quote is not closed in --cmd\n");
			return 2;
		}
		if (n == -2) {
			tool_say(t, "fattool: more than %d words in one command\n", TOOL_MAX_ARGS);
			return 2;
		}
		if (n == 0)
			continue;
		const struct command *cmd = find(words[0]);
		if (!cmd) {
			tool_say(t, "fattool: unknown command '%s' (--cmd=help lists them)\n", words[0]);
			return 2;
		}
		struct cmdline c;
		int rc = parse(t, cmd, words, n, &c);
		if (rc == 0 && cmd->fn == NULL) {
			if (c.nargs && !find(c.args[0])) {
				tool_say(t, "fattool: help: unknown command '%s'\n", c.args[0]);
				return 2;
			}
			help(t, c.nargs ? c.args[0] : NULL);
		} else if (rc == 0) {
			rc = cmd->fn(t, &c);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int fattool_main(struct app_devices *devs, const struct app_params *params)
{
	static struct tool tool;
	struct tool *t = &tool;
	t->devs = devs;
	t->params = params;
	t->bufsize = params->buffer < 4096 ? 4096 : params->buffer > (1u << 30) ? (1u << 30) : (size_t)params->buffer;
	t->buf = plat_alloc(t->bufsize);
	size_t len = strlen(params->cmd);
	char *text = plat_alloc(len + 1);
	if (!t->buf || !text) {
		tool_say(t, "fattool: out of memory\n");
		return 1;
	}
	memcpy(text, params->cmd, len + 1);
	int rc = run(t, text);
	if (tool_unmount(t) != 0 && rc == 0)
		rc = 1;
	plat_free(text);
	plat_free(t->buf);
	console_flush(devs->console);
	return rc;
}
