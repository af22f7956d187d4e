/* Shared libjpeg plumbing for the shim: an error manager that longjmps back to the shim's entry point
 * (never exit(), never through managed frames), collects warnings instead of printing them, and a progress
 * monitor that bounds the number of scans (libjpeg-turbo 2.1 has no scan limit of its own). */
#ifndef SYSNOISE_JPEG_COMMON_H
#define SYSNOISE_JPEG_COMMON_H

#include <setjmp.h>
#include <stdio.h>

#include <jpeglib.h>

#include "sysnoise_native.h"

typedef struct sn_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
    int32_t warning_count;
    char warnings[SN_JPEG_WARNINGS_CAPACITY];
} sn_jpeg_error;

typedef struct sn_jpeg_progress {
    struct jpeg_progress_mgr base;
    int32_t max_scans;
    /* Optional: called after the scan limit check, on the decoding thread (the coefficient reader's pipelined mode). */
    void (*on_progress)(j_decompress_ptr cinfo, struct sn_jpeg_progress *progress);
} sn_jpeg_progress;

/* Sets up cinfo's error manager and progress monitor; call before jpeg_create_decompress. */
void sn_jpeg_attach(j_decompress_ptr cinfo, sn_jpeg_error *err, sn_jpeg_progress *progress, const sn_jpeg_limits *limits);

/* After jpeg_read_header: refuses images over the pixel limit and colour spaces the shim does not handle. */
sn_status sn_jpeg_check_header(j_decompress_ptr cinfo, const sn_jpeg_limits *limits, char *message, size_t capacity);

#endif
