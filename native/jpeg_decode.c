#include "sysnoise_native.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

/* libjpeg calls error_exit on fatal errors and would exit(); we longjmp back instead. */
typedef struct sn_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
} sn_jpeg_error;

static void sn_jpeg_error_exit(j_common_ptr cinfo) {
    sn_jpeg_error *err = (sn_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->escape, 1);
}

static void sn_jpeg_silent(j_common_ptr cinfo, int level) {
    /* Warnings (level -1) and trace messages are not errors: libjpeg recovers and so do we. */
    (void)cinfo;
    (void)level;
}

sn_status sn_jpeg_decode(const uint8_t *data, size_t length, const sn_jpeg_decode_options *options,
                         sn_image *image, char *message, size_t message_capacity) {
    if (data == NULL || length == 0 || image == NULL) {
        sn_set_message(message, message_capacity, "no data");
        return SN_ERR_ARGUMENT;
    }
    memset(image, 0, sizeof(*image));

    struct jpeg_decompress_struct cinfo;
    sn_jpeg_error err;
    /* volatile: modified between setjmp and longjmp. */
    uint8_t *volatile pixels = NULL;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = sn_jpeg_error_exit;
    err.base.emit_message = sn_jpeg_silent;
    err.message[0] = '\0';
    if (setjmp(err.escape)) {
        sn_set_message(message, message_capacity, err.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return SN_ERR_CORRUPT;
    }

    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);

    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        sn_set_message(message, message_capacity, "CMYK/YCCK JPEG is not supported");
        jpeg_destroy_decompress(&cinfo);
        return SN_ERR_UNSUPPORTED;
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
    jpeg_destroy_decompress(&cinfo);
    return SN_OK;
}
