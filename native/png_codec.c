#include "sysnoise_native.h"

#include <stdlib.h>
#include <string.h>

#include <png.h>

/* libpng's simplified API reports errors through image.message and never longjmps out to us. */

sn_status sn_png_decode(const uint8_t *data, uint64_t length, sn_image *image, char *message,
                        uint64_t message_capacity) {
    if (data == NULL || length == 0 || image == NULL) {
        sn_set_message(message, message_capacity, "no data");
        return SN_ERR_ARGUMENT;
    }
    memset(image, 0, sizeof(*image));

    png_image png;
    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, data, length)) {
        sn_set_message(message, message_capacity, png.message);
        png_image_free(&png);
        return SN_ERR_CORRUPT;
    }

    if ((png.format & PNG_FORMAT_FLAG_LINEAR) != 0) {
        /* The simplified API would treat 16-bit samples as linear light and gamma-encode them. */
        sn_set_message(message, message_capacity, "16-bit PNG is not supported (convert to 8-bit first)");
        png_image_free(&png);
        return SN_ERR_UNSUPPORTED;
    }

    /* Keep what the file has: gray, gray+alpha, RGB or RGBA, 8 bits per sample (palette expands). */
    int has_alpha = (png.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    int has_color = (png.format & PNG_FORMAT_FLAG_COLOR) != 0;
    png.format = has_color ? (has_alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB) : (has_alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
    int channels = (int)PNG_IMAGE_SAMPLE_CHANNELS(png.format);
    size_t size = PNG_IMAGE_SIZE(png);
    uint8_t *pixels = (uint8_t *)malloc(size);
    if (pixels == NULL) {
        sn_set_message(message, message_capacity, "out of memory");
        png_image_free(&png);
        return SN_ERR_MEMORY;
    }
    if (!png_image_finish_read(&png, NULL, pixels, 0, NULL)) {
        sn_set_message(message, message_capacity, png.message);
        free(pixels);
        png_image_free(&png);
        return SN_ERR_CORRUPT;
    }

    image->pixels = pixels;
    image->width = (int32_t)png.width;
    image->height = (int32_t)png.height;
    image->channels = channels;
    return SN_OK;
}

sn_status sn_png_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels, uint8_t **out,
                        uint64_t *out_length, char *message, uint64_t message_capacity) {
    static const png_uint_32 formats[] = {0, PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB, PNG_FORMAT_RGBA};
    if (pixels == NULL || out == NULL || out_length == NULL || width <= 0 || height <= 0 || channels < 1 ||
        channels > 4) {
        sn_set_message(message, message_capacity, "bad image arguments");
        return SN_ERR_ARGUMENT;
    }
    *out = NULL;
    *out_length = 0;

    png_image png;
    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)width;
    png.height = (png_uint_32)height;
    png.format = formats[channels];

    png_alloc_size_t size = 0;
    if (!png_image_write_get_memory_size(png, size, 0, pixels, 0, NULL)) {
        sn_set_message(message, message_capacity, png.message);
        return SN_ERR_ARGUMENT;
    }
    uint8_t *buffer = (uint8_t *)malloc(size);
    if (buffer == NULL) {
        sn_set_message(message, message_capacity, "out of memory");
        return SN_ERR_MEMORY;
    }
    if (!png_image_write_to_memory(&png, buffer, &size, 0, pixels, 0, NULL)) {
        sn_set_message(message, message_capacity, png.message);
        free(buffer);
        return SN_ERR_ARGUMENT;
    }
    *out = buffer;
    *out_length = size;
    return SN_OK;
}
