/* fattool's shared state and helpers: main.c parses the --cmd text and
 * runs each command; commands.c implements them over two fs devices, the
 * FAT volume on the image and the host folder. */
#ifndef FATTOOL_H
#define FATTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices.h"
#include "protocols/fat/fat_dev.h"

#define TOOL_MAX_ARGS 64
#define TOOL_PATH_MAX 1024

struct tool {
	struct app_devices *devs;
	const struct app_params *params;
	struct fs fat;            /* the volume on the image, once mounted */
	struct fs_fat fat_state;
	bool mounted;
	uint8_t *buf;             /* the copy buffer, params->buffer bytes */
	size_t bufsize;
};

/* One side of a path argument: the image's volume or the host folder. */
struct where {
	struct fs *fs;
	bool host;
	char path[TOOL_PATH_MAX];  /* inside that file system, '/'-separated */
	const char *shown;         /* the argument as given, for messages */
};

/* A command's flags and operands, after option parsing. */
struct cmdline {
	const char *name;
	const char *args[TOOL_MAX_ARGS];
	int nargs;
	bool flag[128];            /* -l, -R, -r, -p ... by letter */
	const char *value[128];    /* -F 32, -n LABEL ... by letter */
};

/* main.c */
int tool_say(struct tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "fattool: WHAT: SHOWN: reason" and return 1. */
int tool_fail(struct tool *t, const char *what, const char *shown, int err);
/* Resolve an argument ("host:x", "fat:/x", "::/x" or "/x") to a side,
 * mounting the image's volume on first use. 0 or a negative errno
 * (reported). */
int tool_where(struct tool *t, const char *cmd, const char *arg, struct where *w);
int tool_mount(struct tool *t, const char *cmd);
/* Sync and unmount the volume; 0, or 1 when writing it out failed (reported). */
int tool_unmount(struct tool *t);

/* commands.c: each returns 0, 1 (a failure, reported) or 2 (usage). */
int cmd_ls(struct tool *t, struct cmdline *c);
int cmd_cat(struct tool *t, struct cmdline *c);
int cmd_write(struct tool *t, struct cmdline *c);
int cmd_cp(struct tool *t, struct cmdline *c);
int cmd_mkdir(struct tool *t, struct cmdline *c);
int cmd_rm(struct tool *t, struct cmdline *c);
int cmd_rmdir(struct tool *t, struct cmdline *c);
int cmd_mv(struct tool *t, struct cmdline *c);
int cmd_stat(struct tool *t, struct cmdline *c);
int cmd_format(struct tool *t, struct cmdline *c);
int cmd_info(struct tool *t, struct cmdline *c);

#endif
