/*
 * kats_net: a thin syscall layer for keepalived-ts (N-API 8, plain C).
 *
 * Policy lives in TypeScript. Every function here returns a number: >= 0 on success,
 * -errno on failure. Only programmer errors (wrong argument types) throw.
 * JS lays out every struct (sockaddr, mreq, nlmsg) and parses every cmsg.
 *
 * poll(fd, cb) wraps a uv_poll_t on Node's own loop. The uv handle and the JS wrapper
 * have separate lifetimes on purpose: the handle is freed in uv_close's callback and
 * never touches the wrapper; the wrapper (struct poller) is freed by the N-API
 * finalizer and never touches the handle after close(). Mixing them caused a
 * use-after-free in the prototype (see docs: native-networking.md §1c).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>
#ifdef KATS_UV_MIN
#include "uv_min.h"
#else
#include <uv.h>
#endif

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) return NULL;                                 \
  } while (0)

typedef struct poller {
  uv_poll_t *handle;          /* NULL once close() ran */
  napi_env env;
  napi_ref self;              /* strong while polling: keeps the wrapper alive */
  napi_ref cb;
  napi_async_context actx;
} poller;

static napi_value num(napi_env env, int64_t v) {
  napi_value r;
  if (napi_create_int64(env, v, &r) != napi_ok) return NULL;
  return r;
}

static int ret(ssize_t r) { return r < 0 ? -errno : (int)r; }

/* Reads argv[i] as a Uint8Array (or any typed array: byte view). */
static int bytes(napi_env env, napi_value v, void **p, size_t *len) {
  napi_typedarray_type t;
  size_t n;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &n, p, &ab, &off) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a typed array");
    return -1;
  }
  *len = t == napi_int32_array || t == napi_uint32_array ? n * 4 : n;
  return 0;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t n = want;
  if (napi_get_cb_info(env, info, &n, argv, NULL, NULL) != napi_ok) return -1;
  if (n < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return -1;
  }
  return 0;
}

static int i32(napi_env env, napi_value v, int *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return -1;
  }
  return 0;
}

static napi_value k_socket(napi_env env, napi_callback_info info) {
  napi_value a[3];
  int d, t, p;
  if (args(env, info, 3, a) || i32(env, a[0], &d) || i32(env, a[1], &t) || i32(env, a[2], &p)) return NULL;
  return num(env, ret(socket(d, t | SOCK_NONBLOCK | SOCK_CLOEXEC, p)));
}

static napi_value k_setsockopt(napi_env env, napi_callback_info info) {
  napi_value a[4];
  int fd, lvl, name;
  void *p;
  size_t n;
  if (args(env, info, 4, a) || i32(env, a[0], &fd) || i32(env, a[1], &lvl) || i32(env, a[2], &name) ||
      bytes(env, a[3], &p, &n)) return NULL;
  return num(env, ret(setsockopt(fd, lvl, name, p, (socklen_t)n)));
}

static napi_value k_setsockopt_int(napi_env env, napi_callback_info info) {
  napi_value a[4];
  int fd, lvl, name, v;
  if (args(env, info, 4, a) || i32(env, a[0], &fd) || i32(env, a[1], &lvl) || i32(env, a[2], &name) ||
      i32(env, a[3], &v)) return NULL;
  return num(env, ret(setsockopt(fd, lvl, name, &v, sizeof v)));
}

static napi_value k_bind(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int fd;
  void *p;
  size_t n;
  if (args(env, info, 2, a) || i32(env, a[0], &fd) || bytes(env, a[1], &p, &n)) return NULL;
  return num(env, ret(bind(fd, (struct sockaddr *)p, (socklen_t)n)));
}

static napi_value k_getsockname(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int fd;
  void *p;
  size_t n;
  if (args(env, info, 2, a) || i32(env, a[0], &fd) || bytes(env, a[1], &p, &n)) return NULL;
  socklen_t len = (socklen_t)n;
  int r = getsockname(fd, (struct sockaddr *)p, &len);
  return num(env, r < 0 ? -errno : (int)len);
}

static napi_value k_sendto(napi_env env, napi_callback_info info) {
  napi_value a[3];
  int fd;
  void *data, *sa = NULL;
  size_t n, salen = 0;
  napi_valuetype vt;
  if (args(env, info, 3, a) || i32(env, a[0], &fd) || bytes(env, a[1], &data, &n)) return NULL;
  if (napi_typeof(env, a[2], &vt) != napi_ok) return NULL;
  if (vt != napi_null && vt != napi_undefined && bytes(env, a[2], &sa, &salen)) return NULL;
  return num(env, ret(sendto(fd, data, n, MSG_DONTWAIT, (struct sockaddr *)sa, (socklen_t)salen)));
}

static napi_value k_recvmsg(napi_env env, napi_callback_info info) {
  napi_value a[5];
  int fd;
  void *data, *name, *ctl, *outp;
  size_t n, namelen, ctllen, outlen;
  if (args(env, info, 5, a) || i32(env, a[0], &fd) || bytes(env, a[1], &data, &n) ||
      bytes(env, a[2], &name, &namelen) || bytes(env, a[3], &ctl, &ctllen) || bytes(env, a[4], &outp, &outlen))
    return NULL;
  if (outlen < 3 * sizeof(int32_t)) {
    napi_throw_range_error(env, NULL, "out must hold 3 int32");
    return NULL;
  }
  struct iovec iov = {.iov_base = data, .iov_len = n};
  struct msghdr m = {.msg_name = namelen ? name : NULL, .msg_namelen = (socklen_t)namelen,
                     .msg_iov = &iov, .msg_iovlen = 1,
                     .msg_control = ctllen ? ctl : NULL, .msg_controllen = ctllen};
  ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT);
  int32_t *out = outp;
  if (r < 0) return num(env, -errno);
  out[0] = (int32_t)m.msg_namelen;
  out[1] = (int32_t)m.msg_controllen;
  out[2] = m.msg_flags;
  return num(env, r);
}

static napi_value k_close(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int fd;
  if (args(env, info, 1, a) || i32(env, a[0], &fd)) return NULL;
  return num(env, ret(close(fd)));
}

static napi_value k_if_nametoindex(napi_env env, napi_callback_info info) {
  napi_value a[1];
  char name[IF_NAMESIZE + 1];
  size_t n;
  if (args(env, info, 1, a)) return NULL;
  if (napi_get_value_string_utf8(env, a[0], name, sizeof name, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  if (n >= IF_NAMESIZE) return num(env, 0);
  return num(env, (int64_t)if_nametoindex(name));
}

static napi_value k_if_indextoname(napi_env env, napi_callback_info info) {
  napi_value a[1], r;
  int idx;
  char name[IF_NAMESIZE];
  if (args(env, info, 1, a) || i32(env, a[0], &idx)) return NULL;
  if (idx <= 0 || if_indextoname((unsigned)idx, name) == NULL) {
    CHECK(napi_get_undefined(env, &r));
    return r;
  }
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &r));
  return r;
}

/* ---- uv_poll ---- */

static void on_handle_closed(uv_handle_t *h) { free(h); }

/* Stops the poll and releases everything that keeps JS alive; idempotent. */
static void poller_stop(poller *p) {
  if (p->handle == NULL) return;
  uv_poll_stop(p->handle);
  uv_handle_set_data((uv_handle_t *)p->handle, NULL);
  uv_close((uv_handle_t *)p->handle, on_handle_closed);
  p->handle = NULL;
  napi_delete_reference(p->env, p->cb);
  napi_async_destroy(p->env, p->actx);
  napi_delete_reference(p->env, p->self); /* wrapper may now be collected */
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  poller *p = uv_handle_get_data((uv_handle_t *)h);
  if (p == NULL) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_value self, cb, recv, result;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  /* Holding `self` in this scope roots the wrapper, so p stays valid even if the
     callback calls close() and a GC runs before we return. napi_make_callback needs
     an object receiver (undefined throws a TypeError), hence the global. */
  if (napi_get_reference_value(env, p->self, &self) == napi_ok &&
      napi_get_reference_value(env, p->cb, &cb) == napi_ok && napi_get_global(env, &recv) == napi_ok) {
    if (napi_make_callback(env, p->actx, recv, cb, 0, NULL, &result) == napi_pending_exception) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void poller_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  poller *p = data;
  /* Normally close() detached the handle already (the strong self ref prevents GC
     before that); only environment teardown gets here with a live handle. */
  if (p->handle != NULL) {
    uv_poll_stop(p->handle);
    uv_handle_set_data((uv_handle_t *)p->handle, NULL);
    uv_close((uv_handle_t *)p->handle, on_handle_closed);
  }
  free(p);
}

static napi_value k_poller_close(napi_env env, napi_callback_info info) {
  napi_value self, r;
  size_t n = 0;
  poller *p;
  CHECK(napi_get_cb_info(env, info, &n, NULL, &self, NULL));
  if (napi_unwrap(env, self, (void **)&p) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a poller");
    return NULL;
  }
  poller_stop(p);
  CHECK(napi_get_undefined(env, &r));
  return r;
}

static napi_value k_poll(napi_env env, napi_callback_info info) {
  napi_value a[2], obj, fn, name;
  int fd, rc;
  napi_valuetype vt;
  uv_loop_t *loop;
  if (args(env, info, 2, a) || i32(env, a[0], &fd)) return NULL;
  CHECK(napi_typeof(env, a[1], &vt));
  if (vt != napi_function) {
    napi_throw_type_error(env, NULL, "expected a callback");
    return NULL;
  }
  CHECK(napi_get_uv_event_loop(env, &loop));
  poller *p = calloc(1, sizeof *p);
  uv_poll_t *h = malloc(uv_handle_size(UV_POLL));
  if (p == NULL || h == NULL || (rc = uv_poll_init(loop, h, fd)) != 0) {
    free(p);
    free(h);
    napi_throw_error(env, NULL, p && h ? "uv_poll_init failed (bad fd?)" : "out of memory");
    return NULL;
  }
  p->env = env;
  p->handle = h;
  uv_handle_set_data((uv_handle_t *)h, p);
  if (napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, p, poller_finalize, NULL, NULL) != napi_ok) {
    uv_close((uv_handle_t *)h, on_handle_closed);
    free(p);
    return NULL;
  }
  /* From here on, p belongs to obj (freed by its finalizer). */
  CHECK(napi_create_reference(env, obj, 1, &p->self));
  CHECK(napi_create_reference(env, a[1], 1, &p->cb));
  CHECK(napi_create_string_utf8(env, "kats:poll", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &p->actx));
  CHECK(napi_create_function(env, "close", NAPI_AUTO_LENGTH, k_poller_close, NULL, &fn));
  CHECK(napi_set_named_property(env, obj, "close", fn));
  if ((rc = uv_poll_start(h, UV_READABLE, on_readable)) != 0) {
    poller_stop(p);
    napi_throw_error(env, NULL, "uv_poll_start failed");
    return NULL;
  }
  return obj;
}

/*
 * setScheduler(policy, priority): sched_setscheduler() for the calling thread (Node's main
 * thread), with SCHED_RESET_ON_FORK so children (nft, scripts) do not inherit a realtime
 * policy. keepalived's vrrp_rt_priority.
 */
static napi_value k_set_scheduler(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int policy, prio;
  if (args(env, info, 2, a) || i32(env, a[0], &policy) || i32(env, a[1], &prio)) return NULL;
  struct sched_param sp;
  memset(&sp, 0, sizeof sp);
  sp.sched_priority = prio;
  return num(env, ret(sched_setscheduler(0, policy | SCHED_RESET_ON_FORK, &sp)));
}

void kats_tcp_probe_register(napi_env env, napi_value exports); /* kats_tcp_probe.c */
void kats_signal_register(napi_env env, napi_value exports);    /* kats_signal.c */

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"socket", k_socket},         {"setsockopt", k_setsockopt},     {"setsockoptInt", k_setsockopt_int},
             {"bind", k_bind},             {"getsockname", k_getsockname},   {"sendto", k_sendto},
             {"recvmsg", k_recvmsg},       {"close", k_close},               {"ifNameToIndex", k_if_nametoindex},
             {"ifIndexToName", k_if_indextoname}, {"poll", k_poll},
             {"setScheduler", k_set_scheduler}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    CHECK(napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f));
    CHECK(napi_set_named_property(env, exports, fns[i].name, f));
  }
  kats_tcp_probe_register(env, exports);
  kats_signal_register(env, exports);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
