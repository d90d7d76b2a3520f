/*
 * kats_tcp_probe: TCP connect probes (TCP_CHECK) without a net.Socket per check.
 *
 * Why native: node:net cannot set SO_BINDTODEVICE (bind_if) or SO_MARK (fwmark) before
 * connect(), which keepalived's TCP checks apply (layer4.c socket_bind_connect); and a
 * net.Socket per check (a libuv handle, a JS object graph, a full FIN close) costs several
 * times HAProxy's whole CPU per layer-4 check (bench/RESULTS.md, "Checker CPU").
 *
 * Mechanism only, policy in TypeScript (src/check/probes/tcp.ts): the caller owns time-outs
 * (it calls cancel), ids, reasons and log texts. One prober = one private epoll set watched
 * by ONE uv_poll_t on Node's loop. start() makes a nonblocking socket, sets the options,
 * binds, connects and adds it to the epoll set; when the set is readable, every finished
 * connect is collected, its SO_ERROR read and its socket closed, and the results are handed
 * to JS in one callback per batch (ids/errnos written into Int32Arrays the caller gave at
 * creation, the callback receives the count). A connect started with `keep` is not closed
 * when it succeeds: its fd is handed to Node (new net.Socket({ fd })), so HTTP_GET, SSL_GET
 * and SMTP_CHECK get bind_if and fwmark too. Every function returns >= 0 or -errno; only
 * wrong argument types throw.
 *
 * A caller that connects to the same place again and again (the checker daemon's TCP_CHECK
 * lane) registers it once per id with setTarget() and then calls startTarget(id): one
 * number crosses into C per check instead of three typed arrays and five other arguments,
 * whose unwrapping (with tp_start) was about 1.5 % of the checker's perf samples - 7 % of
 * its user time - at 5,000 real servers.
 *
 * The uv handle keeps Node's loop alive only while connects are pending (uv_ref/uv_unref),
 * so an idle prober never holds a process open.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>
#ifdef KATS_UV_MIN
#include "uv_min.h"
#else
#include <uv.h>
#endif

/* Events taken from the epoll set per epoll_wait (and the most one JS callback reports). */
#define TP_BATCH 256

/* start()'s step codes written to out[0] when it fails: the caller names the failed call. */
enum { STEP_SOCKET = 0, STEP_MARK = 1, STEP_BINDTODEVICE = 2, STEP_BIND = 3, STEP_CONNECT = 4, STEP_EPOLL = 5 };

/* A registered destination (setTarget): what start() would be given for this id. */
typedef struct tp_target {
  struct sockaddr_storage sa, bsa;
  socklen_t salen, bsalen; /* bsalen 0: no bind; salen 0: not registered */
  char ifname[IFNAMSIZ];
  socklen_t ifnlen;        /* 0: no SO_BINDTODEVICE; else with the NUL */
  int32_t mark;
} tp_target;

/* The most ids setTarget accepts (the checker ids of one configuration). */
#define TP_MAX_TARGETS (1 << 22)

typedef struct prober {
  uv_poll_t *handle; /* NULL once closed */
  int epfd;
  int64_t pending;   /* sockets in the epoll set; the handle is ref'ed while > 0 */
  int reset;         /* close with SO_LINGER {1,0}: RST instead of FIN (no TIME_WAIT) */
  int32_t *ids;      /* caller's Int32Array, >= TP_BATCH entries */
  int32_t *errs;     /* caller's Int32Array, >= TP_BATCH entries */
  napi_env env;
  napi_ref self;     /* strong while open: keeps the wrapper (and its buffers) alive */
  napi_ref cb;
  napi_ref ids_ref;
  napi_ref errs_ref;
  napi_async_context actx;
  tp_target *targets; /* by id, ntargets entries (setTarget) */
  uint32_t ntargets;
} prober;

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) return NULL;                                 \
  } while (0)

static napi_value tp_num(napi_env env, int64_t v) {
  napi_value r;
  if (napi_create_int64(env, v, &r) != napi_ok) return NULL;
  return r;
}

static int tp_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return -1;
  }
  return 0;
}

/* A Uint8Array (or null/undefined when `optional`): data pointer and byte length. */
static int tp_bytes(napi_env env, napi_value v, int optional, void **p, size_t *len) {
  napi_valuetype vt;
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  *p = NULL;
  *len = 0;
  if (optional) {
    if (napi_typeof(env, v, &vt) != napi_ok) return -1;
    if (vt == napi_null || vt == napi_undefined) return 0;
  }
  if (napi_get_typedarray_info(env, v, &t, len, p, &ab, &off) != napi_ok || t != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return -1;
  }
  return 0;
}

static int tp_this(napi_env env, napi_callback_info info, size_t want, napi_value *argv, prober **p) {
  size_t n = want;
  napi_value self;
  if (napi_get_cb_info(env, info, &n, argv, &self, NULL) != napi_ok) return -1;
  if (n < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return -1;
  }
  if (napi_unwrap(env, self, (void **)p) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a TCP prober");
    return -1;
  }
  return 0;
}

static void tp_on_handle_closed(uv_handle_t *h) { free(h); }

static void tp_pending_add(prober *p, int delta) {
  int64_t before = p->pending;
  p->pending += delta;
  if (p->handle == NULL) return;
  if (before == 0 && p->pending > 0) uv_ref((uv_handle_t *)p->handle);
  else if (before > 0 && p->pending == 0) uv_unref((uv_handle_t *)p->handle);
}

/* Closes a probe socket; with `reset`, an established connection is aborted with a RST. */
static void tp_close_socket(int fd, int reset) {
  if (reset) {
    struct linger li = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &li, sizeof li);
  }
  (void)close(fd);
}

/* Stops the poll, closes the epoll fd and releases the JS references; idempotent. */
static void tp_stop(prober *p) {
  if (p->handle == NULL) return;
  uv_poll_stop(p->handle);
  uv_handle_set_data((uv_handle_t *)p->handle, NULL);
  uv_close((uv_handle_t *)p->handle, tp_on_handle_closed);
  p->handle = NULL;
  close(p->epfd);
  p->epfd = -1;
  napi_delete_reference(p->env, p->cb);
  napi_delete_reference(p->env, p->ids_ref);
  napi_delete_reference(p->env, p->errs_ref);
  napi_async_destroy(p->env, p->actx);
  napi_delete_reference(p->env, p->self);
}

/* The epoll set is readable: collect every finished connect, close it, report the batch. */
static void tp_on_ready(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  prober *p = uv_handle_get_data((uv_handle_t *)h);
  if (p == NULL) return;
  napi_env env = p->env;
  struct epoll_event ev[TP_BATCH];
  for (;;) {
    if (p->handle == NULL) return; /* closed by the previous callback */
    int n = epoll_wait(p->epfd, ev, TP_BATCH, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      int fd = (int)((ev[i].data.u64 >> 32) & 0x7fffffffu);
      int keep = (int)(ev[i].data.u64 >> 63);
      int err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      /* Writable without an error: the handshake completed. Hang-up without a pending
         error is not a success either (the connection is already gone). */
      if (err == 0 && !(ev[i].events & EPOLLOUT)) err = ENOTCONN;
      /* close() also removes fd from the epoll set (no dup of it exists). Only an
         established connection is reset; a failed one has nothing to reset. A kept one
         leaves the set and belongs to the caller from now on. */
      if (keep && err == 0) (void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
      else tp_close_socket(fd, p->reset && err == 0);
      p->ids[i] = (int32_t)(uint32_t)(ev[i].data.u64 & 0xffffffffu);
      p->errs[i] = err;
    }
    tp_pending_add(p, -n);
    napi_handle_scope scope;
    napi_value self, cb, recv, argv[1], result;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    /* `self` in this scope roots the wrapper, so p stays valid even if the callback
       closes the prober and a GC runs before we return (as kats_net.c's poller). */
    if (napi_get_reference_value(env, p->self, &self) == napi_ok &&
        napi_get_reference_value(env, p->cb, &cb) == napi_ok && napi_get_global(env, &recv) == napi_ok &&
        napi_create_int32(env, n, &argv[0]) == napi_ok) {
      if (napi_make_callback(env, p->actx, recv, cb, 1, argv, &result) == napi_pending_exception) {
        napi_value e;
        if (napi_get_and_clear_last_exception(env, &e) == napi_ok) napi_fatal_exception(env, e);
      }
    }
    napi_close_handle_scope(env, scope);
    if (n < TP_BATCH) return;
  }
}

static void tp_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  prober *p = data;
  /* close() ran first in normal use (the strong self reference prevents GC before it);
     only environment teardown gets here with a live handle. */
  if (p->handle != NULL) {
    uv_poll_stop(p->handle);
    uv_handle_set_data((uv_handle_t *)p->handle, NULL);
    uv_close((uv_handle_t *)p->handle, tp_on_handle_closed);
    close(p->epfd);
  }
  free(p->targets);
  free(p);
}

/*
 * start(id, sockaddr, bindSockaddr | null, ifname | null, fwmark, out, keep): one connect.
 * Returns the socket's fd (>= 0) while the connect is pending (its result comes through the
 * callback under `id`; cancel(fd) abandons it), or -errno with out[0] = the step that
 * failed. ifname is the NUL-terminated device name, as SO_BINDTODEVICE takes it. With
 * `keep`, a successful connect's fd stays open for the caller. A connect() that succeeds at
 * once goes through the epoll set like the others (the socket is writable already), so
 * there is one completion path.
 */
/* One connect: the fd (>= 0) once it is pending in the epoll set, or -errno with *step
   set to the call that failed. */
static int tp_connect(prober *p, int32_t id, const void *sa, socklen_t salen, const void *bsa, socklen_t bsalen,
                      const void *ifn, socklen_t ifnlen, int32_t mark, bool keep, int *step) {
  if (p->handle == NULL) {
    *step = STEP_EPOLL;
    return -EBADF;
  }
  sa_family_t family;
  memcpy(&family, sa, sizeof family);
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *step = STEP_SOCKET;
    return -errno;
  }
  int failed = -1;
  /* A probe that only wants the handshake (not `keep`) does not ACK the SYN-ACK: with quick
     ACKs off the kernel delays that ACK (up to 200 ms) and the RST close comes first, as in
     HAProxy's layer-4 check. The server never sees a connection (nothing for it to accept,
     no child socket), and the ACK's transmit and its processing on the server side - which
     on a veth or loopback run in this process's system time - are saved. Best effort: a
     kernel without TCP_QUICKACK only sends the ACK. */
  if (!keep) (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){0}, sizeof(int));
  /* The order of layer4.c socket_bind_connect: mark, device, bind, connect. */
  if (mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) failed = STEP_MARK;
  else if (ifnlen > 0 && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn, ifnlen) < 0)
    failed = STEP_BINDTODEVICE;
  else if (bsalen > 0 && bind(fd, (const struct sockaddr *)bsa, bsalen) < 0) failed = STEP_BIND;
  else if (connect(fd, (const struct sockaddr *)sa, salen) < 0 && errno != EINPROGRESS) failed = STEP_CONNECT;
  if (failed < 0) {
    /* data: keep (bit 63) | fd (bits 32-62) | id (bits 0-31). */
    struct epoll_event ev = {.events = EPOLLOUT,
                             .data.u64 = ((uint64_t)(keep ? 1 : 0) << 63) | ((uint64_t)(uint32_t)fd << 32) | (uint32_t)id};
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
      tp_pending_add(p, 1);
      return fd;
    }
    failed = STEP_EPOLL;
  }
  int e = errno;
  close(fd);
  *step = failed;
  return -e;
}

static napi_value tp_start(napi_env env, napi_callback_info info) {
  napi_value a[7];
  prober *p;
  int32_t id, mark;
  bool keep = false;
  void *sa, *bsa, *ifn, *outp;
  size_t salen, bsalen, ifnlen, outlen;
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  if (tp_this(env, info, 7, a, &p) || tp_i32(env, a[0], &id) || tp_bytes(env, a[1], 0, &sa, &salen) ||
      tp_bytes(env, a[2], 1, &bsa, &bsalen) || tp_bytes(env, a[3], 1, &ifn, &ifnlen) || tp_i32(env, a[4], &mark))
    return NULL;
  if (napi_get_value_bool(env, a[6], &keep) != napi_ok) {
    napi_throw_type_error(env, NULL, "keep must be a boolean");
    return NULL;
  }
  if (napi_get_typedarray_info(env, a[5], &t, &outlen, &outp, &ab, &off) != napi_ok || t != napi_int32_array ||
      outlen < 1) {
    napi_throw_type_error(env, NULL, "out must be an Int32Array of 1");
    return NULL;
  }
  if (salen < sizeof(sa_family_t)) {
    napi_throw_range_error(env, NULL, "sockaddr too short");
    return NULL;
  }
  int step = 0;
  int r = tp_connect(p, id, sa, (socklen_t)salen, bsa, (socklen_t)bsalen, ifn, (socklen_t)ifnlen, mark, keep, &step);
  if (r < 0) ((int32_t *)outp)[0] = step;
  return tp_num(env, r);
}

/*
 * setTarget(id, sockaddr, bindSockaddr | null, ifname | null, fwmark): registers what
 * startTarget(id) connects to, with start()'s meaning of each argument. Returns 0.
 */
static napi_value tp_set_target(napi_env env, napi_callback_info info) {
  napi_value a[5];
  prober *p;
  int32_t id, mark;
  void *sa, *bsa, *ifn;
  size_t salen, bsalen, ifnlen;
  if (tp_this(env, info, 5, a, &p) || tp_i32(env, a[0], &id) || tp_bytes(env, a[1], 0, &sa, &salen) ||
      tp_bytes(env, a[2], 1, &bsa, &bsalen) || tp_bytes(env, a[3], 1, &ifn, &ifnlen) || tp_i32(env, a[4], &mark))
    return NULL;
  if (id < 0 || id >= TP_MAX_TARGETS) {
    napi_throw_range_error(env, NULL, "target id out of range");
    return NULL;
  }
  if (salen < sizeof(sa_family_t) || salen > sizeof(struct sockaddr_storage) || bsalen > sizeof(struct sockaddr_storage) ||
      ifnlen > IFNAMSIZ) {
    napi_throw_range_error(env, NULL, "sockaddr or interface name of a wrong length");
    return NULL;
  }
  if ((uint32_t)id >= p->ntargets) {
    uint32_t n = p->ntargets == 0 ? 64 : p->ntargets;
    while (n <= (uint32_t)id) n *= 2;
    tp_target *grown = realloc(p->targets, (size_t)n * sizeof *grown);
    if (grown == NULL) {
      napi_throw_error(env, NULL, "out of memory");
      return NULL;
    }
    memset(grown + p->ntargets, 0, (size_t)(n - p->ntargets) * sizeof *grown);
    p->targets = grown;
    p->ntargets = n;
  }
  tp_target *tg = &p->targets[id];
  memset(tg, 0, sizeof *tg);
  memcpy(&tg->sa, sa, salen);
  tg->salen = (socklen_t)salen;
  if (bsalen > 0) memcpy(&tg->bsa, bsa, bsalen);
  tg->bsalen = (socklen_t)bsalen;
  if (ifnlen > 0) memcpy(tg->ifname, ifn, ifnlen);
  tg->ifnlen = (socklen_t)ifnlen;
  tg->mark = mark;
  return tp_num(env, 0);
}

/*
 * startTarget(id): start() to what setTarget(id, ...) registered, never keeping the fd.
 * Returns the fd (>= 0) or -errno (which call failed is not reported: the lane that uses
 * it only counts a failed check).
 */
static napi_value tp_start_target(napi_env env, napi_callback_info info) {
  napi_value a[1];
  prober *p;
  int32_t id;
  if (tp_this(env, info, 1, a, &p) || tp_i32(env, a[0], &id)) return NULL;
  if (id < 0 || (uint32_t)id >= p->ntargets || p->targets[id].salen == 0) {
    napi_throw_range_error(env, NULL, "no target registered for this id");
    return NULL;
  }
  const tp_target *tg = &p->targets[id];
  int step = 0;
  int r = tp_connect(p, id, &tg->sa, tg->salen, &tg->bsa, tg->bsalen, tg->ifname, tg->ifnlen, tg->mark, false, &step);
  return tp_num(env, r);
}

/* cancel(fd): closes a socket start() returned that the callback has not reported yet
   (a time-out or an abort). The caller guarantees that, so fd cannot be another file. */
static napi_value tp_cancel(napi_env env, napi_callback_info info) {
  napi_value a[1];
  prober *p;
  int32_t fd;
  if (tp_this(env, info, 1, a, &p) || tp_i32(env, a[0], &fd)) return NULL;
  if (fd < 0) return tp_num(env, -EBADF);
  /* A pending connect has nothing established to reset: a plain close aborts it. */
  int r = close(fd);
  if (r < 0) return tp_num(env, -errno);
  tp_pending_add(p, -1);
  return tp_num(env, 0);
}

/* pending(): sockets in flight (for tests and metrics). */
static napi_value tp_pending(napi_env env, napi_callback_info info) {
  prober *p;
  if (tp_this(env, info, 0, NULL, &p)) return NULL;
  return tp_num(env, p->pending);
}

static napi_value tp_close(napi_env env, napi_callback_info info) {
  prober *p;
  napi_value r;
  if (tp_this(env, info, 0, NULL, &p)) return NULL;
  tp_stop(p);
  CHECK(napi_get_undefined(env, &r));
  return r;
}

/*
 * tcpProber(onDone(count), ids Int32Array, errnos Int32Array, reset): a prober object with
 * start/cancel/pending/close. Both arrays hold at least 256 entries; onDone(n) reads the
 * first n of each (errno 0 = connected).
 */
static napi_value tp_create(napi_env env, napi_callback_info info) {
  napi_value a[4], obj, name;
  size_t argc = 4;
  napi_valuetype vt;
  bool reset;
  void *ids, *errs;
  size_t nids, nerrs, off;
  napi_typedarray_type t1, t2;
  napi_value ab;
  uv_loop_t *loop;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return NULL;
  }
  CHECK(napi_typeof(env, a[0], &vt));
  if (vt != napi_function) {
    napi_throw_type_error(env, NULL, "expected a callback");
    return NULL;
  }
  if (napi_get_typedarray_info(env, a[1], &t1, &nids, &ids, &ab, &off) != napi_ok ||
      napi_get_typedarray_info(env, a[2], &t2, &nerrs, &errs, &ab, &off) != napi_ok || t1 != napi_int32_array ||
      t2 != napi_int32_array || nids < TP_BATCH || nerrs < TP_BATCH) {
    napi_throw_type_error(env, NULL, "ids and errnos must be Int32Arrays of at least 256");
    return NULL;
  }
  if (napi_get_value_bool(env, a[3], &reset) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a boolean");
    return NULL;
  }
  CHECK(napi_get_uv_event_loop(env, &loop));
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    napi_throw_error(env, NULL, "epoll_create1 failed");
    return NULL;
  }
  prober *p = calloc(1, sizeof *p);
  uv_poll_t *h = malloc(uv_handle_size(UV_POLL));
  if (p == NULL || h == NULL || uv_poll_init(loop, h, epfd) != 0) {
    free(p);
    free(h);
    close(epfd);
    napi_throw_error(env, NULL, "cannot set up the TCP prober's poll");
    return NULL;
  }
  p->env = env;
  p->handle = h;
  p->epfd = epfd;
  p->reset = reset;
  p->ids = ids;
  p->errs = errs;
  uv_handle_set_data((uv_handle_t *)h, p);
  if (napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, p, tp_finalize, NULL, NULL) != napi_ok) {
    uv_close((uv_handle_t *)h, tp_on_handle_closed);
    close(epfd);
    free(p);
    return NULL;
  }
  /* From here on, p belongs to obj (freed by its finalizer). */
  CHECK(napi_create_reference(env, obj, 1, &p->self));
  CHECK(napi_create_reference(env, a[0], 1, &p->cb));
  CHECK(napi_create_reference(env, a[1], 1, &p->ids_ref));
  CHECK(napi_create_reference(env, a[2], 1, &p->errs_ref));
  CHECK(napi_create_string_utf8(env, "kats:tcp_probe", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &p->actx));
  static const struct {
    const char *name;
    napi_callback fn;
  } methods[] = {{"start", tp_start},   {"setTarget", tp_set_target}, {"startTarget", tp_start_target},
                 {"cancel", tp_cancel}, {"pending", tp_pending},      {"close", tp_close}};
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    napi_value f;
    CHECK(napi_create_function(env, methods[i].name, NAPI_AUTO_LENGTH, methods[i].fn, NULL, &f));
    CHECK(napi_set_named_property(env, obj, methods[i].name, f));
  }
  if (uv_poll_start(h, UV_READABLE, tp_on_ready) != 0) {
    tp_stop(p);
    napi_throw_error(env, NULL, "uv_poll_start failed");
    return NULL;
  }
  uv_unref((uv_handle_t *)h); /* idle: ref'ed again by the first pending connect */
  return obj;
}

void kats_tcp_probe_register(napi_env env, napi_value exports) {
  napi_value f;
  if (napi_create_function(env, "tcpProber", NAPI_AUTO_LENGTH, tp_create, NULL, &f) != napi_ok) return;
  napi_set_named_property(env, exports, "tcpProber", f);
}
