#include "jpeg_common.h"

#include <string.h>

static void sn_jpeg_error_exit(j_common_ptr cinfo) {
    sn_jpeg_error *err = (sn_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->escape, 1);
}

/* level -1 is a warning (libjpeg recovered, e.g. corrupt data); trace levels are ignored. */
static void sn_jpeg_emit(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return;
    }
    sn_jpeg_error *err = (sn_jpeg_error *)cinfo->err;
    err->base.num_warnings++;
    err->warning_count++;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    /* Keep each distinct message once, separated by newlines, until the buffer is full. */
    if (strstr(err->warnings, text) != NULL) {
        return;
    }
    size_t used = strlen(err->warnings);
    size_t need = strlen(text) + (used > 0 ? 1 : 0);
    if (used + need + 1 > sizeof(err->warnings)) {
        return;
    }
    if (used > 0) {
        err->warnings[used++] = '\n';
    }
    memcpy(err->warnings + used, text, strlen(text) + 1);
}

static void sn_jpeg_progress_monitor(j_common_ptr common) {
    if (common->is_decompressor) {
        j_decompress_ptr cinfo = (j_decompress_ptr)common;
        sn_jpeg_progress *progress = (sn_jpeg_progress *)cinfo->progress;
        if (progress->max_scans > 0 && cinfo->input_scan_number > progress->max_scans) {
            sn_jpeg_error *err = (sn_jpeg_error *)cinfo->err;
            snprintf(err->message, sizeof(err->message),
                     "more than %d scans (a progressive file this long is hostile; raise the scan limit to decode it)",
                     (int)progress->max_scans);
            longjmp(err->escape, 1);
        }
        if (progress->on_progress != NULL) {
            progress->on_progress(cinfo, progress);
        }
    }
}

void sn_jpeg_attach(j_decompress_ptr cinfo, sn_jpeg_error *err, sn_jpeg_progress *progress, const sn_jpeg_limits *limits) {
    memset(err, 0, sizeof(*err));
    memset(progress, 0, sizeof(*progress));
    cinfo->err = jpeg_std_error(&err->base);
    err->base.error_exit = sn_jpeg_error_exit;
    err->base.emit_message = sn_jpeg_emit;
    progress->base.progress_monitor = sn_jpeg_progress_monitor;
    progress->max_scans = limits != NULL && limits->max_scans > 0 ? limits->max_scans : SN_JPEG_DEFAULT_MAX_SCANS;
}

sn_status sn_jpeg_check_header(j_decompress_ptr cinfo, const sn_jpeg_limits *limits, char *message, size_t capacity) {
    int64_t max_pixels = limits != NULL && limits->max_pixels > 0 ? limits->max_pixels : SN_JPEG_DEFAULT_MAX_PIXELS;
    int64_t pixels = (int64_t)cinfo->image_width * (int64_t)cinfo->image_height;
    if (pixels > max_pixels) {
        char text[256];
        snprintf(text, sizeof(text), "image is %ux%u = %lld pixels, over the limit of %lld pixels",
                 (unsigned)cinfo->image_width, (unsigned)cinfo->image_height, (long long)pixels, (long long)max_pixels);
        sn_set_message(message, capacity, text);
        return SN_ERR_LIMIT;
    }
    if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
        sn_set_message(message, capacity, "CMYK/YCCK JPEG is not supported (SysNoise decodes grayscale, YCbCr and RGB JPEGs)");
        return SN_ERR_UNSUPPORTED;
    }
    if (cinfo->jpeg_color_space != JCS_GRAYSCALE && cinfo->jpeg_color_space != JCS_YCbCr &&
        cinfo->jpeg_color_space != JCS_RGB) {
        char text[128];
        snprintf(text, sizeof(text), "JPEG with %d components and an unknown colour space is not supported",
                 cinfo->num_components);
        sn_set_message(message, capacity, text);
        return SN_ERR_UNSUPPORTED;
    }
    return SN_OK;
}
