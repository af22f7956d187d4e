/* SysNoise native shim: prefixed exports (sn_), status codes, caller-freed buffers.
 * Errors never exit(): libjpeg errors longjmp back to the entry point, which returns a status and
 * copies the library's own message into the caller's buffer. */
#ifndef SYSNOISE_NATIVE_H
#define SYSNOISE_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define SN_EXPORT __declspec(dllexport)
#else
#define SN_EXPORT __attribute__((visibility("default")))
#endif

typedef enum sn_status {
    SN_OK = 0,
    SN_ERR_ARGUMENT = 1,    /* a null pointer, a zero length, an impossible size */
    SN_ERR_CORRUPT = 2,     /* the data is not a valid file of its format */
    SN_ERR_UNSUPPORTED = 3, /* valid, but a kind SysNoise does not handle (e.g. CMYK JPEG) */
    SN_ERR_MEMORY = 4,      /* allocation failed */
} sn_status;

/* Decoder settings. Zero-initialised means libjpeg's defaults, extended by later variants. */
typedef struct sn_jpeg_decode_options {
    int32_t dct_method;          /* 0 = JDCT_ISLOW (default), 1 = JDCT_IFAST, 2 = JDCT_FLOAT */
    int32_t disable_fancy_upsampling; /* 0 = fancy upsampling (default), 1 = plain replication / merged */
} sn_jpeg_decode_options;

/* A decoded image: H x W x C interleaved uint8, freed with sn_free. */
typedef struct sn_image {
    uint8_t *pixels;
    int32_t width;
    int32_t height;
    int32_t channels;
} sn_image;

SN_EXPORT int32_t sn_version(void);

SN_EXPORT void sn_free(void *pointer);

/* Decodes a JPEG to RGB (3 channels), or to 1 channel for a grayscale file. */
SN_EXPORT sn_status sn_jpeg_decode(const uint8_t *data, size_t length, const sn_jpeg_decode_options *options,
                                   sn_image *image, char *message, size_t message_capacity);

/* Decodes a PNG to 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4); 16-bit samples are reduced to 8. */
SN_EXPORT sn_status sn_png_decode(const uint8_t *data, size_t length, sn_image *image, char *message,
                                  size_t message_capacity);

/* Encodes H x W x C (C in 1..4) uint8 as PNG into a malloc'd buffer freed with sn_free. */
SN_EXPORT sn_status sn_png_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                                  uint8_t **png, size_t *png_length, char *message, size_t message_capacity);

/* Internal: copies a message into the caller's buffer, truncating safely. */
void sn_set_message(char *message, size_t capacity, const char *text);

#endif
