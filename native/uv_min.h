/*
 * The few libuv 1.x declarations kats_net.c and kats_tcp_probe.c need, for building against the
 * node-api-headers npm package (which ships no uv.h). uv_poll_t stays opaque: it is
 * allocated with uv_handle_size(UV_POLL) and its data pointer is reached through
 * uv_handle_get_data/set_data, so no struct layout is assumed here.
 */
#ifndef KATS_UV_MIN_H
#define KATS_UV_MIN_H
#include <stddef.h>

typedef struct uv_loop_s uv_loop_t;
typedef struct uv_handle_s uv_handle_t;
typedef struct uv_poll_s uv_poll_t;
typedef void (*uv_close_cb)(uv_handle_t *handle);
typedef void (*uv_poll_cb)(uv_poll_t *handle, int status, int events);

/* Values fixed by the libuv 1.x ABI (uv.h: UV_HANDLE_TYPE_MAP order, uv_poll_event). */
enum { UV_POLL = 8 };
enum { UV_READABLE = 1 };
typedef int uv_handle_type;

size_t uv_handle_size(uv_handle_type type);
void *uv_handle_get_data(const uv_handle_t *handle);
void uv_handle_set_data(uv_handle_t *handle, void *data);
void uv_close(uv_handle_t *handle, uv_close_cb close_cb);
int uv_poll_init(uv_loop_t *loop, uv_poll_t *handle, int fd);
int uv_poll_start(uv_poll_t *handle, int events, uv_poll_cb cb);
int uv_poll_stop(uv_poll_t *handle);
/* kats_tcp_probe.c: the prober keeps the loop alive only while connects are pending. */
void uv_ref(uv_handle_t *handle);
void uv_unref(uv_handle_t *handle);
/* kats_signal.c: uv_signal_t stays opaque too (uv_handle_size(UV_SIGNAL)). */
typedef struct uv_signal_s uv_signal_t;
typedef void (*uv_signal_cb)(uv_signal_t *handle, int signum);
enum { UV_SIGNAL = 16 }; /* uv.h UV_HANDLE_TYPE_MAP: SIGNAL is the 16th entry */
int uv_signal_init(uv_loop_t *loop, uv_signal_t *handle);
int uv_signal_start(uv_signal_t *handle, uv_signal_cb signal_cb, int signum);
int uv_signal_stop(uv_signal_t *handle);
void uv_unref(uv_handle_t *handle);
#endif
