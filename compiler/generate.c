/* generate.c - the back half of the pipeline: run the emitters of the wanted
 * languages (each on its own thread), then write their files, all or nothing. */
#include "tachc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

tc_buf *outputs_add(tc_outputs *o, const char *relpath)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        tc_output *items = realloc(o->items, cap * sizeof *items);
        if (!items)
            return NULL;
        o->items = items;
        o->cap = cap;
    }
    tc_output *it = &o->items[o->n];
    memset(it, 0, sizeof *it);
    it->relpath = strdup(relpath);
    if (!it->relpath)
        return NULL;
    o->n++;
    return &it->text;
}

void outputs_free(tc_outputs *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->items[i].relpath);
        buf_free(&o->items[i].text);
    }
    free(o->items);
    buf_free(&o->errors);
    memset(o, 0, sizeof *o);
}

void tachc_options_init(tachc_options *o)
{
    memset(o, 0, sizeof *o);
    o->go_module = TACHC_GO_MODULE_DEFAULT;
}

typedef struct emit_job {
    const tc_lang *lang;
    const tc_program *prog;
    const tachc_options *opts;
    tc_outputs *out;
    int rc;
} emit_job;

static void *emit_job_run(void *arg)
{
    emit_job *job = arg;
    job->rc = job->lang->emit(job->prog, job->opts, job->out);
    for (size_t j = 0; j < job->out->n && job->rc == 0; j++) {
        if (job->out->items[j].text.oom) {
            fprintf(stderr, "tachc: out of memory\n");
            job->rc = -1;
        }
    }
    return NULL;
}

int tachc_emit(const tc_program *prog, const tachc_options *opts, tc_outputs *outs)
{
    size_t n = opts->nlangs;
    emit_job *jobs = calloc(n ? n : 1, sizeof *jobs);
    pthread_t *threads = calloc(n ? n : 1, sizeof *threads);
    bool *started = calloc(n ? n : 1, sizeof *started);
    int rc = 0;
    if (!jobs || !threads || !started) {
        fprintf(stderr, "tachc: out of memory\n");
        rc = -1;
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        memset(&outs[k], 0, sizeof outs[k]);
        jobs[k] = (emit_job){opts->langs[k], prog, opts, &outs[k], 0};
        started[k] = pthread_create(&threads[k], NULL, emit_job_run, &jobs[k]) == 0;
    }
    for (size_t k = 0; k < n; k++) {
        if (started[k])
            pthread_join(threads[k], NULL);
        else
            emit_job_run(&jobs[k]); /* no thread to be had: run it here */
        if (jobs[k].rc != 0)
            rc = -1;
    }
    /* what each language refuses, in language order (the threads ran in any) */
    for (size_t k = 0; k < n; k++) {
        if (outs[k].errors.len) {
            fputs(outs[k].errors.data, stderr);
            rc = -1;
        }
    }
out:
    free(jobs);
    free(threads);
    free(started);
    return rc;
}

/* Creates every missing directory of path up to its last '/'. */
static int make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0777);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST) {
            errno = e;
            return -1;
        }
    }
    return 0;
}

static int write_file(const char *path, const char *data, size_t len)
{
    char *tmp = strdup(path);
    if (!tmp)
        return -1;
    int rc = make_parents(tmp);
    free(tmp);
    if (rc)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = fwrite(data, 1, len, f);
    int bad = put != len;
    if (fclose(f) != 0)
        bad = 1;
    return bad ? -1 : 0;
}

int tachc_generate(const tc_program *prog, const tachc_options *opts)
{
    size_t n = opts->nlangs;
    tc_outputs *outs = calloc(n ? n : 1, sizeof *outs);
    if (!outs) {
        fprintf(stderr, "tachc: out of memory\n");
        return -1;
    }
    int rc = tachc_emit(prog, opts, outs);
    /* everything is in memory: write it only now that every emitter succeeded */
    for (size_t k = 0; k < n && rc == 0; k++) {
        for (size_t j = 0; j < outs[k].n && rc == 0; j++) {
            const tc_output *o = &outs[k].items[j];
            size_t len = strlen(opts->out_dir) + strlen(opts->langs[k]->name) + strlen(o->relpath) + 3;
            char *path = malloc(len);
            if (!path) {
                fprintf(stderr, "tachc: out of memory\n");
                rc = -1;
                break;
            }
            snprintf(path, len, "%s/%s/%s", opts->out_dir, opts->langs[k]->name, o->relpath);
            if (write_file(path, o->text.data ? o->text.data : "", o->text.len)) {
                fprintf(stderr, "tachc: cannot write '%s': %s\n", path, strerror(errno));
                rc = -1;
            }
            free(path);
        }
    }
    for (size_t k = 0; k < n; k++)
        outputs_free(&outs[k]);
    free(outs);
    return rc;
}
