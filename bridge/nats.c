/*
 * nats.c - the bridge's NATS plumbing shared by both directions: the
 * connection (endless reconnects, so a restarted server is picked up again),
 * the JetStream stream, header parsing, clocks and logging.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"

void bridge_log(const char *who, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "tachyon-bridge %s: %s\n", who, buf);
}

uint64_t bridge_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    bridge_log((const char *)closure, "disconnected from NATS; reconnecting");
}

volatile sig_atomic_t bridge_reconnected;

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    bridge_reconnected = 1;
    bridge_log((const char *)closure, "reconnected to NATS");
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)nc;
    (void)sub;
    /* Slow-consumer drops are counted from the subscription; say it once here. */
    bridge_log((const char *)closure, "NATS: %s", natsStatus_GetText(err));
}

natsStatus bridge_nats_connect(const struct bridge_config *c, natsConnection **nc, const char *who)
{
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    /* The URL list is comma-separated; libnats splits it. */
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, c->nats_url);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, c->out ? "tachyon-bridge out" : "tachyon-bridge in");
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, 100);
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(o, true, NULL, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(o, on_disconnected, (void *)who);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(o, on_reconnected, (void *)who);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(o, on_async_error, (void *)who);
    /* A subscription may buffer this much before the library drops (core mode
     * counts those drops). */
    if (s == NATS_OK)
        s = natsOptions_SetMaxPendingMsgs(o, 1 << 20);
    /* out writes each window at once instead of waiting for the client's
     * flusher: a window is already a batch, and the flusher's wait is latency. */
    if (s == NATS_OK && c->out)
        s = natsOptions_SetSendAsap(o, true);
    if (s == NATS_OK) {
        s = natsConnection_Connect(nc, o);
        /* With retry-on-failed-connect the first attempt may still be running. */
        if (s == NATS_NOT_YET_CONNECTED)
            s = NATS_OK;
    }
    if (s != NATS_OK)
        bridge_log(who, "cannot connect to NATS at %s: %s", c->nats_url, natsStatus_GetText(s));
    natsOptions_Destroy(o);
    return s;
}

natsStatus bridge_stream_ensure(const struct bridge_config *c, jsCtx *js)
{
    char subject[sizeof c->subject_prefix + 4];
    snprintf(subject, sizeof subject, "%s.>", c->subject_prefix);
    const char *subjects[1] = {subject};
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = c->stream;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Duplicates = INT64_C(120000000000); /* the server's dedup window: 2 minutes */
    /* The in side purges what it delivered, so the stream holds what is not
     * delivered yet; once that reaches max_bytes the server refuses more and
     * the out side stops reading its ring: back-pressure from the far end. */
    sc.MaxBytes = c->max_bytes;
    sc.Discard = js_DiscardNew;
    jsErrCode jerr = 0;
    jsStreamInfo *si = NULL;
    natsStatus s = js_AddStream(&si, js, &sc, NULL, &jerr);
    if (s == NATS_OK || jerr == JSStreamNameExistErr) {
        jsStreamInfo_Destroy(si);
        return NATS_OK;
    }
    /* A stream of that name exists with other settings: use it as it is. */
    if (js_GetStreamInfo(&si, js, c->stream, NULL, &jerr) == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return NATS_OK;
    }
    return s;
}
