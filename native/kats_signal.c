/*
 * kats_signal: signal watchers on Node's own loop (N-API 8, plain C).
 *
 * Node's process.on() only knows the named signals, but keepalived's JSON and STATS_CLEAR
 * signals are realtime ones (SIGRTMIN+2 = 36, SIGRTMAX-1 = 63 on glibc; keepalived
 * --signum=JSON|STATS_CLEAR). onSignal(signum, cb) wraps a uv_signal_t, which libuv
 * multiplexes with Node's own signal watchers, so named signals keep working too.
 *
 * The handle is unref'd: a watcher never keeps a daemon alive, as process.on() does not.
 * Lifetimes follow kats_net.c's poller: the uv handle is freed in uv_close's callback and
 * never touches the wrapper; the wrapper (struct sigwatch) is freed by its N-API finalizer
 * and never touches the handle after close().
 */
#define NAPI_VERSION 8
#include <stdlib.h>
#include <node_api.h>
#ifdef KATS_UV_MIN
#include "uv_min.h"
#else
#include <uv.h>
#endif

typedef struct sigwatch {
  uv_signal_t *handle; /* NULL once close() ran */
  napi_env env;
  napi_ref self;       /* strong while watching: keeps the wrapper alive */
  napi_ref cb;
  napi_async_context actx;
} sigwatch;

static void on_signal_handle_closed(uv_handle_t *h) { free(h); }

/* Stops watching and releases everything that keeps JS alive; idempotent. */
static void sigwatch_stop(sigwatch *w) {
  if (w->handle == NULL) return;
  uv_signal_stop(w->handle);
  uv_handle_set_data((uv_handle_t *)w->handle, NULL);
  uv_close((uv_handle_t *)w->handle, on_signal_handle_closed);
  w->handle = NULL;
  napi_delete_reference(w->env, w->cb);
  napi_async_destroy(w->env, w->actx);
  napi_delete_reference(w->env, w->self);
}

static void on_signal(uv_signal_t *h, int signum) {
  sigwatch *w = uv_handle_get_data((uv_handle_t *)h);
  if (w == NULL) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value self, cb, recv, arg, result;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  /* `self` held in this scope roots the wrapper while the callback runs (it may close). */
  if (napi_get_reference_value(env, w->self, &self) == napi_ok &&
      napi_get_reference_value(env, w->cb, &cb) == napi_ok && napi_get_global(env, &recv) == napi_ok &&
      napi_create_int32(env, signum, &arg) == napi_ok) {
    if (napi_make_callback(env, w->actx, recv, cb, 1, &arg, &result) == napi_pending_exception) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void sigwatch_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sigwatch *w = data;
  /* Only environment teardown gets here with a live handle (the strong self ref). */
  if (w->handle != NULL) {
    uv_signal_stop(w->handle);
    uv_handle_set_data((uv_handle_t *)w->handle, NULL);
    uv_close((uv_handle_t *)w->handle, on_signal_handle_closed);
  }
  free(w);
}

static napi_value k_sigwatch_close(napi_env env, napi_callback_info info) {
  napi_value self, r;
  size_t n = 0;
  sigwatch *w;
  if (napi_get_cb_info(env, info, &n, NULL, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, (void **)&w) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a signal watcher");
    return NULL;
  }
  sigwatch_stop(w);
  if (napi_get_undefined(env, &r) != napi_ok) return NULL;
  return r;
}

/* onSignal(signum, cb): cb(signum) on Node's loop each time the signal arrives. */
static napi_value k_on_signal(napi_env env, napi_callback_info info) {
  napi_value a[2], obj, fn, name;
  size_t n = 2;
  int32_t signum;
  int rc;
  napi_valuetype vt0, vt1;
  uv_loop_t *loop;
  if (napi_get_cb_info(env, info, &n, a, NULL, NULL) != napi_ok) return NULL;
  if (n < 2 || napi_typeof(env, a[0], &vt0) != napi_ok || napi_typeof(env, a[1], &vt1) != napi_ok ||
      vt0 != napi_number || vt1 != napi_function) {
    napi_throw_type_error(env, NULL, "expected (signum, callback)");
    return NULL;
  }
  if (napi_get_value_int32(env, a[0], &signum) != napi_ok) return NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  sigwatch *w = calloc(1, sizeof *w);
  uv_signal_t *h = malloc(uv_handle_size(UV_SIGNAL));
  if (w == NULL || h == NULL || uv_signal_init(loop, h) != 0) {
    free(w);
    free(h);
    napi_throw_error(env, NULL, "cannot create a signal watcher");
    return NULL;
  }
  w->env = env;
  w->handle = h;
  uv_handle_set_data((uv_handle_t *)h, w);
  if (napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, w, sigwatch_finalize, NULL, NULL) != napi_ok) {
    uv_close((uv_handle_t *)h, on_signal_handle_closed);
    free(w);
    return NULL;
  }
  /* From here on, w belongs to obj (freed by its finalizer). */
  if (napi_create_reference(env, obj, 1, &w->self) != napi_ok || napi_create_reference(env, a[1], 1, &w->cb) != napi_ok ||
      napi_create_string_utf8(env, "kats:signal", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &w->actx) != napi_ok ||
      napi_create_function(env, "close", NAPI_AUTO_LENGTH, k_sigwatch_close, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, obj, "close", fn) != napi_ok)
    return NULL;
  if ((rc = uv_signal_start(h, on_signal, signum)) != 0) {
    sigwatch_stop(w);
    napi_throw_range_error(env, NULL, "uv_signal_start failed (bad signal number?)");
    return NULL;
  }
  uv_unref((uv_handle_t *)h);
  return obj;
}

void kats_signal_register(napi_env env, napi_value exports) {
  napi_value f;
  if (napi_create_function(env, "onSignal", NAPI_AUTO_LENGTH, k_on_signal, NULL, &f) == napi_ok)
    napi_set_named_property(env, exports, "onSignal", f);
}
