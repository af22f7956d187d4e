#include "jpeg_common.h"

#include <stdlib.h>
#include <string.h>

static void sn_copy_report(const sn_jpeg_error *err, sn_jpeg_report *report) {
    if (report != NULL) {
        report->warning_count = err->warning_count;
        memcpy(report->warnings, err->warnings, sizeof(report->warnings));
    }
}

sn_status sn_jpeg_decode(const uint8_t *data, uint64_t length, const sn_jpeg_decode_options *options,
                         const sn_jpeg_limits *limits, sn_image *image, sn_jpeg_report *report,
                         char *message, uint64_t message_capacity) {
    if (data == NULL || length == 0 || image == NULL) {
        sn_set_message(message, message_capacity, "no data (empty file)");
        return SN_ERR_ARGUMENT;
    }
    memset(image, 0, sizeof(*image));
    if (report != NULL) {
        memset(report, 0, sizeof(*report));
    }

    struct jpeg_decompress_struct cinfo;
    sn_jpeg_error err;
    sn_jpeg_progress progress;
    /* volatile: modified between setjmp and longjmp. */
    uint8_t *volatile pixels = NULL;
    memset(&cinfo, 0, sizeof(cinfo));
    sn_jpeg_attach(&cinfo, &err, &progress, limits);
    if (setjmp(err.escape)) {
        sn_set_message(message, message_capacity, err.message);
        sn_copy_report(&err, report);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return SN_ERR_CORRUPT;
    }

    jpeg_create_decompress(&cinfo);
    cinfo.progress = &progress.base;
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);
    sn_status header = sn_jpeg_check_header(&cinfo, limits, message, message_capacity);
    if (header != SN_OK) {
        sn_copy_report(&err, report);
        jpeg_destroy_decompress(&cinfo);
        return header;
    }

    cinfo.out_color_space = cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    if (options != NULL) {
        switch (options->dct_method) {
        case 0: cinfo.dct_method = JDCT_ISLOW; break;
        case 1: cinfo.dct_method = JDCT_IFAST; break;
        case 2: cinfo.dct_method = JDCT_FLOAT; break;
        default:
            sn_set_message(message, message_capacity, "unknown dct_method");
            jpeg_destroy_decompress(&cinfo);
            return SN_ERR_ARGUMENT;
        }
        if (options->disable_fancy_upsampling) {
            cinfo.do_fancy_upsampling = FALSE;
        }
    }

    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    pixels = (uint8_t *)malloc(stride * cinfo.output_height);
    if (pixels == NULL) {
        sn_set_message(message, message_capacity, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return SN_ERR_MEMORY;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);

    image->pixels = pixels;
    image->width = (int32_t)cinfo.output_width;
    image->height = (int32_t)cinfo.output_height;
    image->channels = (int32_t)cinfo.output_components;
    sn_copy_report(&err, report);
    jpeg_destroy_decompress(&cinfo);
    return SN_OK;
}
